package io.portcullis.auth.introspection;

import static io.portcullis.auth.RejectionCause.EXPIRED;
import static io.portcullis.auth.RejectionCause.MALFORMED;
import static io.portcullis.auth.RejectionCause.MISSING_SCOPE;
import static io.portcullis.auth.RejectionCause.NOT_ALLOWED;
import static io.portcullis.auth.RejectionCause.NOT_YET_VALID;
import static io.portcullis.auth.RejectionCause.PROVIDER_UNREACHABLE;
import static io.portcullis.auth.RejectionCause.UNKNOWN_TOKEN;
import static io.portcullis.auth.RejectionCause.WRONG_AUDIENCE;
import static io.portcullis.auth.RejectionCause.WRONG_ISSUER;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.auth.AuthOutcome;
import io.portcullis.auth.AuthRequest;
import io.portcullis.auth.Principal;
import io.portcullis.auth.RejectionCause;
import io.portcullis.auth.fetch.SettableClock;
import io.portcullis.auth.fetch.TargetGuard;
import io.portcullis.config.AllowConditions;
import io.portcullis.config.ClaimMapping;
import io.portcullis.config.IntrospectionProviderConfig;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The introspection provider against an RFC 7662 endpoint on loopback: active and inactive
 * tokens, what the endpoint receives, the cache and its bounds, and an endpoint that is down,
 * silent or refuses the gateway's client credentials.
 */
@ExtendWith(VertxExtension.class)
class IntrospectionAuthProviderTest {
  Vertx vertx;
  IntrospectionServer endpoint;
  SettableClock clock;

  @BeforeEach
  void startEndpoint(Vertx vertx) throws Exception {
    this.vertx = vertx;
    this.clock = SettableClock.atSystemTime();
    this.endpoint = IntrospectionServer.start(vertx);
  }

  /** The gateway's public /mcp URL in these tests: the audience expected when none is configured. */
  static final String MCP_URL = "https://mcp.example.com/mcp";
  /** Long enough for a loopback answer on a busy machine: only the silent endpoint's test waits it out, with its own. */
  static final Duration TIMEOUT = Duration.ofSeconds(5);

  IntrospectionProviderConfig config(Duration cacheTtl, Integer cacheSize, AllowConditions allow) {
    return config(null, null, null, cacheTtl, cacheSize, allow);
  }

  IntrospectionProviderConfig config(String issuer, List<String> audiences, Boolean checkAudience, Duration cacheTtl,
      Integer cacheSize, AllowConditions allow) {
    return config(issuer, audiences, checkAudience, TIMEOUT, cacheTtl, cacheSize, allow);
  }

  IntrospectionProviderConfig config(String issuer, List<String> audiences, Boolean checkAudience, Duration timeout,
      Duration cacheTtl, Integer cacheSize, AllowConditions allow) {
    return new IntrospectionProviderConfig(endpoint.url(), IntrospectionServer.CLIENT_ID, IntrospectionServer.CLIENT_SECRET,
        issuer, audiences, checkAudience, timeout, cacheTtl, cacheSize, List.of("mcp"), ClaimMapping.defaults(), allow, null);
  }

  IntrospectionAuthProvider provider(IntrospectionProviderConfig config) {
    return new IntrospectionAuthProvider(vertx, config, () -> MCP_URL, new TargetGuard(vertx, true), clock);
  }

  IntrospectionAuthProvider provider() {
    return provider(config(null, null, null));
  }

  JsonObject activeClaims() {
    return new JsonObject()
        .put("sub", "bob")
        .put("client_id", "cursor")
        .put("scope", "mcp tools")
        .put("email", "bob@example.com")
        .put("email_verified", true)
        .put("aud", MCP_URL)
        .put("exp", clock.instant().plusSeconds(3600).getEpochSecond());
  }

  AuthOutcome authenticate(IntrospectionAuthProvider provider, String token) throws Exception {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (token != null) {
      headers.add("Authorization", "Bearer " + token);
    }
    AuthRequest request = new AuthRequest(headers, "127.0.0.1", token, token != null);
    Promise<AuthOutcome> answer = Promise.promise();
    vertx.runOnContext(v -> provider.authenticate(request).onComplete(answer));
    return answer.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static Principal principalOf(AuthOutcome outcome) {
    assertThat(outcome).isInstanceOf(AuthOutcome.Authenticated.class);
    return ((AuthOutcome.Authenticated) outcome).principal();
  }

  static AuthOutcome.Rejected rejectionOf(AuthOutcome outcome, RejectionCause cause) {
    assertThat(outcome).isInstanceOf(AuthOutcome.Rejected.class);
    AuthOutcome.Rejected rejected = (AuthOutcome.Rejected) outcome;
    assertThat(rejected.cause()).as(rejected.detail()).isEqualTo(cause);
    return rejected;
  }

  @Nested
  class Answers {
    @Test
    void anActiveTokenBecomesAPrincipal() throws Exception {
      endpoint.register("opaque-1", activeClaims());

      Principal principal = principalOf(authenticate(provider(), "opaque-1"));
      assertThat(principal.subject()).isEqualTo("bob");
      assertThat(principal.provider()).isEqualTo("introspection");
      assertThat(principal.clientId()).isEqualTo("cursor");
      assertThat(principal.scopes()).containsExactlyInAnyOrder("mcp", "tools");
      assertThat(principal.expiresAt()).isEqualTo(Instant.ofEpochSecond(activeClaims().getLong("exp")));
    }

    @Test
    void theEndpointReceivesTheTokenAsAFormWithBasicClientAuthentication() throws Exception {
      endpoint.register("opaque-1", activeClaims());
      principalOf(authenticate(provider(), "opaque-1"));

      IntrospectionServer.Received received = endpoint.received().get(0);
      assertThat(received.form()).containsEntry("token", "opaque-1").containsEntry("token_type_hint", "access_token");
      assertThat(received.contentType()).isEqualTo("application/x-www-form-urlencoded");
      assertThat(received.authorization()).startsWith("Basic ");
    }

    @Test
    void anInactiveTokenIsRejectedAsUnknown() throws Exception {
      AuthOutcome.Rejected rejected = rejectionOf(authenticate(provider(), "revoked"), UNKNOWN_TOKEN);
      assertThat(rejected.unavailable()).isFalse();
    }

    @Test
    void aRequestWithoutABearerTokenIsLeftToTheNextProvider() throws Exception {
      assertThat(authenticate(provider(), null)).isInstanceOf(AuthOutcome.NotMine.class);
      assertThat(endpoint.received()).isEmpty();
    }

    static Stream<Arguments> activeButRefused() {
      return Stream.of(
          Arguments.of(Named.of("active as a string, not a boolean", new JsonObject().put("active", "true")), UNKNOWN_TOKEN),
          Arguments.of(Named.of("past its exp", new JsonObject().put("exp", Instant.now().minusSeconds(5).getEpochSecond())), EXPIRED),
          Arguments.of(Named.of("before its nbf", new JsonObject().put("nbf", Instant.now().plusSeconds(600).getEpochSecond())), NOT_YET_VALID),
          Arguments.of(Named.of("without the required scope", new JsonObject().put("scope", "tools")), MISSING_SCOPE),
          Arguments.of(Named.of("with scopes as an array lacking it", new JsonObject().put("scope", new JsonArray().add("tools"))), MISSING_SCOPE),
          Arguments.of(Named.of("with an email outside the allowed domain", new JsonObject().put("email", "eve@evil.example")), NOT_ALLOWED),
          Arguments.of(Named.of("without a subject", new JsonObject().putNull("sub")), MALFORMED),
          Arguments.of(Named.of("issued for another service", new JsonObject().put("aud", "https://other.example.com/api")), WRONG_AUDIENCE),
          Arguments.of(Named.of("issued for other services only",
              new JsonObject().put("aud", new JsonArray().add("https://a.example.com").add("https://b.example.com"))), WRONG_AUDIENCE),
          Arguments.of(Named.of("without an audience", new JsonObject().putNull("aud")), WRONG_AUDIENCE),
          Arguments.of(Named.of("that is a refresh token", new JsonObject().put("token_type", "refresh_token")), UNKNOWN_TOKEN),
          Arguments.of(Named.of("that Keycloak types as a refresh token", new JsonObject().put("typ", "Refresh")), UNKNOWN_TOKEN),
          Arguments.of(Named.of("that is an ID token", new JsonObject().put("typ", "ID")), UNKNOWN_TOKEN));
    }

    @ParameterizedTest(name = "a token {0} is rejected as {1}")
    @MethodSource("activeButRefused")
    void anAnswerThatDoesNotQualifyIsRejectedWithItsCause(JsonObject change, RejectionCause cause) throws Exception {
      endpoint.register("opaque-1", activeClaims().mergeIn(change));
      IntrospectionAuthProvider provider = provider(config(null, null, new AllowConditions(null, List.of("example.com"), null)));

      assertThat(rejectionOf(authenticate(provider, "opaque-1"), cause).unavailable()).isFalse();
    }

    @Test
    void aTokenWhoseAudiencesIncludeThisGatewayIsAccepted() throws Exception {
      endpoint.register("opaque-1", activeClaims().put("aud", new JsonArray().add("https://other.example.com").add(MCP_URL))
          .put("token_type", "Bearer"));

      assertThat(principalOf(authenticate(provider(), "opaque-1")).subject()).isEqualTo("bob");
    }

    @Test
    void configuredAudiencesReplaceThePublicUrl() throws Exception {
      endpoint.register("opaque-1", activeClaims().put("aud", "portcullis"));
      endpoint.register("opaque-2", activeClaims());
      IntrospectionAuthProvider provider = provider(config(null, List.of("portcullis"), null, null, null, null));

      assertThat(principalOf(authenticate(provider, "opaque-1")).subject()).isEqualTo("bob");
      rejectionOf(authenticate(provider, "opaque-2"), WRONG_AUDIENCE);
    }

    @Test
    void withTheAudienceCheckOffATokenForAnyAudienceIsAccepted() throws Exception {
      endpoint.register("opaque-1", activeClaims().put("aud", "https://other.example.com/api"));

      assertThat(principalOf(authenticate(provider(config(null, null, false, null, null, null)), "opaque-1")).subject())
          .isEqualTo("bob");
    }

    @Test
    void aTokenIsRefusedWhileTheGatewaysPublicUrlIsNotKnown() throws Exception {
      endpoint.register("opaque-1", activeClaims());
      IntrospectionAuthProvider provider = new IntrospectionAuthProvider(vertx, config(null, null, null), () -> null,
          new TargetGuard(vertx, true), clock);

      assertThat(rejectionOf(authenticate(provider, "opaque-1"), WRONG_AUDIENCE).detail()).contains("not known yet");
    }

    @Test
    void aConfiguredIssuerMustBeTheTokensIssuer() throws Exception {
      endpoint.register("opaque-1", activeClaims().put("iss", "https://idp.example.com"));
      endpoint.register("opaque-2", activeClaims().put("iss", "https://elsewhere.example.com"));
      endpoint.register("opaque-3", activeClaims());
      IntrospectionAuthProvider provider = provider(config("https://idp.example.com", null, null, null, null, null));

      assertThat(principalOf(authenticate(provider, "opaque-1")).subject()).isEqualTo("bob");
      rejectionOf(authenticate(provider, "opaque-2"), WRONG_ISSUER);
      rejectionOf(authenticate(provider, "opaque-3"), WRONG_ISSUER);
    }
  }

  @Nested
  class Caching {
    @Test
    void anActiveTokenIsAnsweredFromTheCacheTheSecondTime() throws Exception {
      endpoint.register("opaque-1", activeClaims());
      IntrospectionAuthProvider provider = provider();
      principalOf(authenticate(provider, "opaque-1"));
      endpoint.stop();

      assertThat(principalOf(authenticate(provider, "opaque-1")).subject()).isEqualTo("bob");
      assertThat(endpoint.received()).hasSize(1);
    }

    @Test
    void anAnswerIsCachedNoLongerThanTheTtl() throws Exception {
      endpoint.register("opaque-1", activeClaims());
      IntrospectionAuthProvider provider = provider(config(Duration.ofMinutes(2), null, null));
      principalOf(authenticate(provider, "opaque-1"));

      clock.advance(Duration.ofMinutes(1));
      principalOf(authenticate(provider, "opaque-1"));
      assertThat(endpoint.received()).hasSize(1);

      clock.advance(Duration.ofMinutes(1));
      principalOf(authenticate(provider, "opaque-1"));
      assertThat(endpoint.received()).hasSize(2);
    }

    @Test
    void anAnswerIsNeverCachedPastTheTokensExpiry() throws Exception {
      endpoint.register("opaque-1", activeClaims().put("exp", clock.instant().plusSeconds(30).getEpochSecond()));
      IntrospectionAuthProvider provider = provider(config(Duration.ofMinutes(10), null, null));
      principalOf(authenticate(provider, "opaque-1"));

      clock.advance(Duration.ofSeconds(31));
      rejectionOf(authenticate(provider, "opaque-1"), EXPIRED);
      assertThat(endpoint.received()).hasSize(2);
    }

    @Test
    void theCacheIsBoundedBySize() throws Exception {
      endpoint.register("opaque-1", activeClaims());
      endpoint.register("opaque-2", activeClaims().put("sub", "carol"));
      IntrospectionAuthProvider provider = provider(config(null, 1, null));
      principalOf(authenticate(provider, "opaque-1"));
      principalOf(authenticate(provider, "opaque-2"));
      principalOf(authenticate(provider, "opaque-2"));
      assertThat(endpoint.received()).hasSize(2);

      principalOf(authenticate(provider, "opaque-1"));
      assertThat(endpoint.received()).hasSize(3);
    }

    @Test
    void anInactiveAnswerIsNotCached() throws Exception {
      IntrospectionAuthProvider provider = provider();
      rejectionOf(authenticate(provider, "opaque-1"), UNKNOWN_TOKEN);
      endpoint.register("opaque-1", activeClaims());

      principalOf(authenticate(provider, "opaque-1"));
    }
  }

  @Nested
  class Floods {
    /** Starts a check of {@code token} from {@code peer} on an event loop, as the gateway does, without waiting for it. */
    CompletableFuture<AuthOutcome> start(IntrospectionAuthProvider provider, String token, String peer) {
      MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + token);
      Promise<AuthOutcome> answer = Promise.promise();
      vertx.runOnContext(v -> provider.authenticate(new AuthRequest(headers, peer, token, true)).onComplete(answer));
      return answer.future().toCompletionStage().toCompletableFuture();
    }

    @Test
    void madeUpTokensFromOnePeerDoNotQueueAheadOfAnotherPeersToken() throws Exception {
      endpoint.register("opaque-1", activeClaims());
      endpoint.answerAfter(1000);
      IntrospectionAuthProvider provider = provider(config(null, null, null, Duration.ofSeconds(4), null, null, null));
      List<CompletableFuture<AuthOutcome>> flood = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        flood.add(start(provider, "made-up-" + i, "10.0.0.66"));
      }

      AuthOutcome legitimate = start(provider, "opaque-1", "10.0.0.7").get(10, TimeUnit.SECONDS);

      assertThat(principalOf(legitimate).subject()).isEqualTo("bob");
      List<AuthOutcome> refused = new ArrayList<>();
      for (CompletableFuture<AuthOutcome> f : flood) {
        refused.add(f.get(10, TimeUnit.SECONDS));
      }
      assertThat(refused).filteredOn(o -> o instanceof AuthOutcome.Rejected r && r.cause() == PROVIDER_UNREACHABLE)
          .as("beyond the peer's 8 under way and 8 waiting, refused without asking").hasSize(24);
      assertThat(refused).filteredOn(o -> o instanceof AuthOutcome.Rejected r && r.cause() == UNKNOWN_TOKEN)
          .as("the waiting 8 were checked when slots came free").hasSize(16);
      assertThat(endpoint.received()).hasSize(8 + 8 + 1);
    }

    @Test
    void anIpv6ClientIsCountedByItsSlash64() {
      // One host is routinely given a whole /64: counted per address, it could have 2^64 slots.
      assertThat(IntrospectionsInFlight.addressOf("2001:db8:1:2::1")).isEqualTo(IntrospectionsInFlight.addressOf("2001:db8:1:2:ffff::9"))
          .isNotEqualTo(IntrospectionsInFlight.addressOf("2001:db8:1:3::1"));
      assertThat(IntrospectionsInFlight.addressOf("10.0.0.66")).isEqualTo("10.0.0.66");
    }

    @Test
    void requestsPresentingOneTokenAtOnceShareOneIntrospection() throws Exception {
      endpoint.register("opaque-1", activeClaims());
      endpoint.answerAfter(200);
      IntrospectionAuthProvider provider = provider();
      List<CompletableFuture<AuthOutcome>> burst = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        burst.add(start(provider, "opaque-1", "10.0.0.7"));
      }

      for (CompletableFuture<AuthOutcome> f : burst) {
        assertThat(principalOf(f.get(10, TimeUnit.SECONDS)).subject()).isEqualTo("bob");
      }
      assertThat(endpoint.received()).hasSize(1);
    }
  }

  @Nested
  class Outages {
    void assertUnavailable(AuthOutcome outcome, String detail) {
      AuthOutcome.Rejected rejected = rejectionOf(outcome, PROVIDER_UNREACHABLE);
      assertThat(rejected.unavailable()).isTrue();
      assertThat(rejected.detail()).contains(detail).doesNotContain("opaque-1");
    }

    @Test
    void anEndpointThatIsDownMakesTheProviderUnavailable() throws Exception {
      IntrospectionAuthProvider provider = provider();
      endpoint.stop();

      assertUnavailable(authenticate(provider, "opaque-1"), "cannot fetch " + endpoint.url());
    }

    @Test
    void anEndpointThatDoesNotAnswerInTimeMakesTheProviderUnavailable() throws Exception {
      endpoint.goSilent();
      IntrospectionAuthProvider provider = provider(config(null, null, null, Duration.ofMillis(500), null, null, null));

      assertUnavailable(authenticate(provider, "opaque-1"), "no answer from " + endpoint.url() + " within 500 ms");
    }

    @Test
    void anEndpointThatRefusesTheGatewaysCredentialsMakesTheProviderUnavailable() throws Exception {
      IntrospectionProviderConfig wrongSecret = new IntrospectionProviderConfig(endpoint.url(), IntrospectionServer.CLIENT_ID,
          "wrong", null, null, null, null, null, null, null, null, null, null);

      assertUnavailable(authenticate(provider(wrongSecret), "opaque-1"), "HTTP 401");
    }

    @Test
    void aLoopbackEndpointIsRefusedUnlessPrivateTargetsAreAllowed() throws Exception {
      IntrospectionAuthProvider provider = new IntrospectionAuthProvider(vertx, config(null, null, null), () -> MCP_URL,
          new TargetGuard(vertx, false));

      assertUnavailable(authenticate(provider, "opaque-1"), "loopback");
      assertThat(endpoint.received()).isEmpty();
    }
  }
}
