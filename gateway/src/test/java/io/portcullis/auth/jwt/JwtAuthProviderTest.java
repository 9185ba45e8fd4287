package io.portcullis.auth.jwt;

import static io.portcullis.auth.RejectionCause.BAD_SIGNATURE;
import static io.portcullis.auth.RejectionCause.DISALLOWED_ALGORITHM;
import static io.portcullis.auth.RejectionCause.EXPIRED;
import static io.portcullis.auth.RejectionCause.MALFORMED;
import static io.portcullis.auth.RejectionCause.MISSING_SCOPE;
import static io.portcullis.auth.RejectionCause.NOT_ALLOWED;
import static io.portcullis.auth.RejectionCause.NOT_YET_VALID;
import static io.portcullis.auth.RejectionCause.PROVIDER_UNREACHABLE;
import static io.portcullis.auth.RejectionCause.UNKNOWN_KEY;
import static io.portcullis.auth.RejectionCause.UNKNOWN_TOKEN;
import static io.portcullis.auth.RejectionCause.WRONG_AUDIENCE;
import static io.portcullis.auth.RejectionCause.WRONG_ISSUER;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.auth.AuthOutcome;
import io.portcullis.auth.AuthProvider;
import io.portcullis.auth.AuthRequest;
import io.portcullis.auth.Principal;
import io.portcullis.auth.RejectionCause;
import io.portcullis.auth.fetch.SettableClock;
import io.portcullis.auth.fetch.TargetGuard;
import io.portcullis.config.AllowConditions;
import io.portcullis.config.ClaimMapping;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The JWT provider against an OIDC identity provider on loopback with real RSA, EC and Ed25519
 * keys: what it accepts, what it leaves to other providers, every way it rejects a token, key
 * rotation, its cache, and outages of the identity provider. Time is a settable clock.
 */
@ExtendWith(VertxExtension.class)
class JwtAuthProviderTest {
  static final String AUDIENCE = "https://gateway.example.com/mcp";
  static final SigningKey RSA = SigningKey.rsa("rsa-1");
  static final SigningKey EC = SigningKey.ec("ec-1");
  static final SigningKey NEXT_RSA = new SigningKey("rsa-2", "RS256", SigningKey.RSA_B);

  Vertx vertx;
  OidcServer idp;
  SettableClock clock;

  @BeforeEach
  void startIdentityProvider(Vertx vertx) throws Exception {
    this.vertx = vertx;
    this.clock = SettableClock.atSystemTime();
    this.idp = OidcServer.start(vertx, RSA, EC);
  }

  JwtSettings settings() {
    return new JwtSettings(idp.issuer());
  }

  JwtAuthProvider provider(JwtSettings settings) {
    return new JwtAuthProvider(vertx, settings.build(), () -> AUDIENCE, new TargetGuard(vertx, true), clock);
  }

  JwtAuthProvider provider() {
    return provider(settings());
  }

  Instant now() {
    return clock.instant();
  }

  /** A token the default provider accepts, signed by {@code key}. */
  TokenMinter valid(SigningKey key) {
    return TokenMinter.signedBy(key)
        .claim("iss", idp.issuer())
        .claim("aud", AUDIENCE)
        .claim("sub", "alice")
        .claim("email", "alice@example.com")
        .claim("email_verified", true)
        .claim("scope", "mcp read")
        .claim("iat", now().getEpochSecond())
        .expiresAt(now().plusSeconds(300));
  }

  TokenMinter valid() {
    return valid(RSA);
  }

  /** Runs the provider on an event loop, as the gateway does, and waits for its answer. */
  AuthOutcome authenticate(AuthProvider provider, String token) throws Exception {
    return authenticateAll(provider, Collections.singletonList(token)).get(0);
  }

  List<AuthOutcome> authenticateAll(AuthProvider provider, List<String> tokens) throws Exception {
    Promise<List<AuthOutcome>> answers = Promise.promise();
    vertx.runOnContext(v -> {
      List<Future<AuthOutcome>> futures = new ArrayList<>();
      for (String token : tokens) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        if (token != null) {
          headers.add("Authorization", "Bearer " + token);
        }
        futures.add(provider.authenticate(new AuthRequest(headers, "127.0.0.1", token, token != null)));
      }
      Future.all(futures).map(all -> all.<AuthOutcome>list()).onComplete(answers);
    });
    return answers.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static Principal principalOf(AuthOutcome outcome) {
    assertThat(outcome).isInstanceOf(AuthOutcome.Authenticated.class);
    return ((AuthOutcome.Authenticated) outcome).principal();
  }

  static AuthOutcome.Rejected rejectionOf(AuthOutcome outcome) {
    assertThat(outcome).isInstanceOf(AuthOutcome.Rejected.class);
    return (AuthOutcome.Rejected) outcome;
  }

  static void assertRejected(AuthOutcome outcome, RejectionCause cause) {
    AuthOutcome.Rejected rejected = rejectionOf(outcome);
    assertThat(rejected.cause()).as(rejected.detail()).isEqualTo(cause);
    assertThat(rejected.unavailable()).isFalse();
  }

  @Nested
  class TokensItVerifies {
    @Test
    void aTokenSignedWithAKeyFromTheDiscoveredJwksBecomesAPrincipal() throws Exception {
      Instant expiry = now().plusSeconds(300);
      Principal principal = principalOf(authenticate(provider(), valid().expiresAt(expiry).sign()));

      assertThat(principal.subject()).isEqualTo("alice");
      assertThat(principal.provider()).isEqualTo("jwt");
      assertThat(principal.scopes()).containsExactlyInAnyOrder("mcp", "read");
      assertThat(principal.expiresAt()).isEqualTo(Instant.ofEpochSecond(expiry.getEpochSecond()));
      assertThat(principal.claims()).containsEntry("email", "alice@example.com").containsEntry("iss", idp.issuer());
      assertThat(idp.discoveryFetches()).isEqualTo(1);
      assertThat(idp.jwksFetches()).isEqualTo(1);
    }

    @Test
    void datesBeyondWhatAnInstantHoldsAreReadAsTheLastOneNotAsAFailure() throws Exception {
      // Signed by the trusted issuer: it answered 503 "provider failed" with a DateTimeException before.
      Principal principal = principalOf(authenticate(provider(), valid().claim("exp", 100_000_000_000_000_000L).sign()));
      assertThat(principal.expiresAt()).isEqualTo(Instant.parse("9999-12-31T23:59:59Z"));

      assertRejected(authenticate(provider(), valid().claim("nbf", 100_000_000_000_000_000L).sign()), NOT_YET_VALID);
      assertRejected(authenticate(provider(), valid().claim("exp", -100_000_000_000_000_000L).sign()), EXPIRED);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"RS256", "PS256", "ES256", "EdDSA"})
    void eachConfiguredAsymmetricAlgorithmVerifies(String algorithm) throws Exception {
      SigningKey key = switch (algorithm) {
        case "ES256" -> EC;
        case "EdDSA" -> new SigningKey("ed-1", "EdDSA", SigningKey.ED25519);
        case "PS256" -> new SigningKey("ps-1", "PS256", SigningKey.RSA_B);
        default -> RSA;
      };
      idp.publish(RSA, EC, key);
      JwtSettings settings = settings();
      settings.algorithms = List.of("RS256", "PS256", "ES256", "EdDSA");

      assertThat(principalOf(authenticate(provider(settings), valid(key).sign())).subject()).isEqualTo("alice");
    }

    @Test
    void aConfiguredJwksUriIsUsedWithoutDiscovery() throws Exception {
      JwtSettings settings = settings();
      settings.jwksUri = idp.jwksUri();

      principalOf(authenticate(provider(settings), valid().sign()));
      assertThat(idp.discoveryFetches()).isZero();
      assertThat(idp.jwksFetches()).isEqualTo(1);
    }

    @Test
    void aTokenWithoutAKidIsVerifiedWithTheKeysOfItsAlgorithm() throws Exception {
      assertThat(principalOf(authenticate(provider(), valid(EC).withoutHeader("kid").sign())).subject()).isEqualTo("alice");
    }

    @Test
    void anExpiryWithinTheClockSkewIsTolerated() throws Exception {
      principalOf(authenticate(provider(), valid().expiresAt(now().minusSeconds(10)).sign()));
    }

    @Test
    void claimsAreMappedFromTheirConfiguredPaths() throws Exception {
      JwtSettings settings = settings();
      settings.claims = new ClaimMapping("preferred_username", "realm_access.roles", "groups", null, null, null);
      String token = valid()
          .claim("preferred_username", "alice@corp")
          .claim("realm_access", new JsonObject().put("roles", new JsonArray().add("editor").add("viewer")))
          .claim("groups", new JsonArray().add("eng"))
          .without("scope")
          .claim("scp", new JsonArray().add("mcp").add("write"))
          .claim("azp", "claude-ai")
          .sign();

      Principal principal = principalOf(authenticate(provider(settings), token));
      assertThat(principal.subject()).isEqualTo("alice@corp");
      assertThat(principal.roles()).containsExactlyInAnyOrder("editor", "viewer");
      assertThat(principal.groups()).containsExactly("eng");
      assertThat(principal.scopes()).containsExactlyInAnyOrder("mcp", "write");
      assertThat(principal.clientId()).isEqualTo("claude-ai");
      assertThat(principal.claims().get("realm_access")).isEqualTo(Map.of("roles", List.of("editor", "viewer")));
    }

    @Test
    void aClaimWhoseNameContainsDotsIsFoundByItsPath() throws Exception {
      JwtSettings settings = settings();
      settings.claims = new ClaimMapping(null, "https://example.com/claims.roles", null, null, null, null);
      String token = valid().claim("https://example.com/claims", new JsonObject().put("roles", new JsonArray().add("admin"))).sign();

      assertThat(principalOf(authenticate(provider(settings), token)).roles()).containsExactly("admin");
    }

    @Test
    void anAllowConditionOnAnArrayClaimHoldsWhenTheArrayContainsTheValue() throws Exception {
      JwtSettings settings = settings();
      settings.allow = new AllowConditions(List.of("Alice@Example.com"), null, Map.of("groups", "mcp-users"));

      principalOf(authenticate(provider(settings), valid().claim("groups", new JsonArray().add("eng").add("mcp-users")).sign()));
      assertRejected(authenticate(provider(settings), valid().claim("groups", new JsonArray().add("eng")).sign()), NOT_ALLOWED);
    }

    @Test
    void anEmailWithoutEmailVerifiedCountsWhenTheOperatorSaysItsProviderNeverSendsIt() throws Exception {
      JwtSettings settings = settings();
      settings.allow = new AllowConditions(null, List.of("example.com"), null, false);

      principalOf(authenticate(provider(settings), valid().without("email_verified").sign()));
      principalOf(authenticate(provider(settings), valid().claim("email_verified", "true").sign()));
    }
  }

  @Nested
  class TokensThatAreNotItsOwn {
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "opaque-token-0123456789",
        "two.parts",
        "not.base64!.at-all",
        "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln",
        "W10.e30.c2ln",
        "e30.e30.c2ln",
        "a.b.c.d",
        "eyJhbGciOiJSUzI1NiJ9.e30=.c2ln",
    })
    void somethingThatIsNotAJwtIsLeftToTheNextProvider(String token) throws Exception {
      assertThat(authenticate(provider(), token)).isInstanceOf(AuthOutcome.NotMine.class);
      assertThat(idp.jwksFetches()).isZero();
    }

    @Test
    void aJwtOfAnotherIssuerIsLeftToTheNextProvider() throws Exception {
      assertThat(authenticate(provider(), valid().claim("iss", "https://other-idp.example.com").sign()))
          .isInstanceOf(AuthOutcome.NotMine.class);
      assertThat(idp.jwksFetches()).isZero();
    }

    @Test
    void aJwtWithoutAnIssuerIsLeftToTheNextProvider() throws Exception {
      assertThat(authenticate(provider(), valid().without("iss").sign())).isInstanceOf(AuthOutcome.NotMine.class);
    }

    @Test
    void aRequestWithoutABearerTokenIsLeftToTheNextProvider() throws Exception {
      assertThat(authenticate(provider(), null)).isInstanceOf(AuthOutcome.NotMine.class);
    }
  }

  @Nested
  class HostileAndBrokenTokens {
    static Arguments hostile(String name, Function<JwtAuthProviderTest, String> mint, RejectionCause cause) {
      return Arguments.of(Named.of(name, mint), cause);
    }

    static Stream<Arguments> tokens() {
      return Stream.of(
          hostile("expired beyond the clock skew", t -> t.valid().expiresAt(t.now().minusSeconds(120)).sign(), EXPIRED),
          hostile("not valid before a time beyond the skew", t -> t.valid().claim("nbf", t.now().plusSeconds(120).getEpochSecond()).sign(), NOT_YET_VALID),
          hostile("issued in the future", t -> t.valid().claim("iat", t.now().plusSeconds(120).getEpochSecond()).sign(), NOT_YET_VALID),
          hostile("a corrupted signature", t -> t.valid().signWithCorruptedSignature(), BAD_SIGNATURE),
          hostile("claims changed after signing", t -> t.valid().signThenAlter("sub", "admin"), BAD_SIGNATURE),
          hostile("signed by another key under a known kid", t -> t.valid().signWith(RSA.withPair(SigningKey.RSA_B)), BAD_SIGNATURE),
          hostile("an EC signature naming an RSA key", t -> t.valid(EC).header("kid", "rsa-1").sign(), BAD_SIGNATURE),
          hostile("a truncated EC signature", t -> { String s = t.valid(EC).sign(); return s.substring(0, s.length() - 4); }, BAD_SIGNATURE),
          hostile("alg none", t -> t.valid().unsigned(), DISALLOWED_ALGORITHM),
          hostile("HS256 keyed with the public key", t -> t.valid().hmacWithPublicKey(), DISALLOWED_ALGORITHM),
          hostile("an algorithm not configured (RS512)", t -> t.valid(RSA.withAlg("RS512")).sign(), DISALLOWED_ALGORITHM),
          hostile("an unknown algorithm name", t -> t.valid().header("alg", "XY999").sign(), DISALLOWED_ALGORITHM),
          hostile("an unknown kid", t -> t.valid().header("kid", "nobody-knows").sign(), UNKNOWN_KEY),
          hostile("the issuer with a trailing slash", t -> t.valid().claim("iss", t.idp.issuer() + "/").sign(), WRONG_ISSUER),
          hostile("the issuer in upper case", t -> t.valid().claim("iss", t.idp.issuer().toUpperCase()).sign(), WRONG_ISSUER),
          hostile("another audience", t -> t.valid().claim("aud", "https://other.example.com/mcp").sign(), WRONG_AUDIENCE),
          hostile("no audience", t -> t.valid().without("aud").sign(), WRONG_AUDIENCE),
          hostile("an audience that only starts like ours", t -> t.valid().claim("aud", AUDIENCE + ".evil").sign(), WRONG_AUDIENCE),
          hostile("without the required scope", t -> t.valid().claim("scope", "read write").sign(), MISSING_SCOPE),
          hostile("without any scope", t -> t.valid().without("scope").sign(), MISSING_SCOPE),
          hostile("an email outside the allowed domains", t -> t.valid().claim("email", "mallory@evil.example").sign(), NOT_ALLOWED),
          hostile("an email in a subdomain of an allowed domain", t -> t.valid().claim("email", "mallory@evil.example.com").sign(), NOT_ALLOWED),
          hostile("an allowed email that is not verified", t -> t.valid().claim("email_verified", false).sign(), NOT_ALLOWED),
          hostile("an allowed email whose email_verified is the string false", t -> t.valid().claim("email_verified", "false").sign(), NOT_ALLOWED),
          hostile("an allowed email without email_verified", t -> t.valid().without("email_verified").sign(), NOT_ALLOWED),
          hostile("no email while emails are restricted", t -> t.valid().without("email").sign(), NOT_ALLOWED),
          hostile("a Keycloak ID token (typ ID)", t -> t.valid().claim("typ", "ID").sign(), UNKNOWN_TOKEN),
          hostile("a Keycloak refresh token (typ Refresh)", t -> t.valid().claim("typ", "Refresh").sign(), UNKNOWN_TOKEN),
          hostile("no exp", t -> t.valid().without("exp").sign(), MALFORMED),
          hostile("a crit header", t -> t.valid().header("crit", new JsonArray().add("exp")).sign(), MALFORMED),
          hostile("no subject", t -> t.valid().without("sub").sign(), MALFORMED));
    }

    @ParameterizedTest(name = "{0} is rejected as {1}")
    @MethodSource("tokens")
    void isRejectedWithItsCause(Function<JwtAuthProviderTest, String> mint, RejectionCause cause) throws Exception {
      JwtSettings settings = settings();
      settings.allow = new AllowConditions(null, List.of("example.com"), null);

      assertRejected(authenticate(provider(settings), mint.apply(JwtAuthProviderTest.this)), cause);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"none", "HS256"})
    void noneAndHmacAreRefusedEvenWhenConfigured(String algorithm) throws Exception {
      JwtSettings settings = settings();
      settings.algorithms = List.of("none", "HS256", "RS256");
      JwtAuthProvider provider = provider(settings);
      String token = algorithm.equals("none") ? valid().unsigned() : valid().hmacWithPublicKey();

      assertRejected(authenticate(provider, token), DISALLOWED_ALGORITHM);
    }
  }

  @Nested
  class Audience {
    @Test
    void aConfiguredAudienceReplacesTheGatewaysUrl() throws Exception {
      JwtSettings settings = settings();
      settings.audiences = List.of("api://portcullis");
      JwtAuthProvider provider = provider(settings);

      principalOf(authenticate(provider, valid().claim("aud", "api://portcullis").sign()));
      assertRejected(authenticate(provider, valid().sign()), WRONG_AUDIENCE);
    }

    @Test
    void anAudienceArrayNeedOnlyContainTheExpectedAudience() throws Exception {
      principalOf(authenticate(provider(), valid().claim("aud", new JsonArray().add("account").add(AUDIENCE)).sign()));
    }

    @Test
    void withTheAudienceCheckOffATokenForAnotherAudienceIsAccepted() throws Exception {
      JwtSettings settings = settings();
      settings.checkAudience = false;

      principalOf(authenticate(provider(settings), valid().claim("aud", "https://team.cloudflareaccess.com/cdn-cgi/access/callback").sign()));
    }

    @Test
    void untilTheGatewaysUrlIsKnownTokensAreRefused() throws Exception {
      JwtAuthProvider provider = new JwtAuthProvider(vertx, settings().build(), () -> null, new TargetGuard(vertx, true), clock);

      assertRejected(authenticate(provider, valid().sign()), WRONG_AUDIENCE);
    }
  }

  @Nested
  class KeyRotation {
    @Test
    void aTokenSignedWithANewKeyIsAcceptedAfterOneRefetch() throws Exception {
      JwtAuthProvider provider = provider();
      principalOf(authenticate(provider, valid().sign()));
      idp.publish(RSA, NEXT_RSA);
      clock.advance(Duration.ofSeconds(31));

      principalOf(authenticate(provider, valid(NEXT_RSA).sign()));
      assertThat(idp.jwksFetches()).isEqualTo(2);
    }

    @Test
    void anUnknownKidIsRejectedAfterExactlyOneRefetch() throws Exception {
      JwtAuthProvider provider = provider();
      principalOf(authenticate(provider, valid().sign()));
      clock.advance(Duration.ofSeconds(31));

      assertRejected(authenticate(provider, valid().header("kid", "nobody-knows").sign()), UNKNOWN_KEY);
      assertThat(idp.jwksFetches()).isEqualTo(2);
    }

    @Test
    void refetchesAreRateLimitedByTheMinimumInterval() throws Exception {
      JwtAuthProvider provider = provider();
      principalOf(authenticate(provider, valid().sign()));
      idp.publish(RSA, NEXT_RSA);

      assertRejected(authenticate(provider, valid(NEXT_RSA).sign()), UNKNOWN_KEY);
      assertRejected(authenticate(provider, valid().header("kid", "another-unknown").sign()), UNKNOWN_KEY);
      assertThat(idp.jwksFetches()).isEqualTo(1);

      clock.advance(Duration.ofSeconds(30));
      principalOf(authenticate(provider, valid(NEXT_RSA).sign()));
      assertThat(idp.jwksFetches()).isEqualTo(2);
    }

    @Test
    void concurrentRequestsShareOneFetch() throws Exception {
      JwtAuthProvider provider = provider();
      List<String> tokens = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        tokens.add(valid().claim("sub", "user-" + i).sign());
      }

      assertThat(authenticateAll(provider, tokens)).allMatch(o -> o instanceof AuthOutcome.Authenticated);
      assertThat(idp.discoveryFetches()).isEqualTo(1);
      assertThat(idp.jwksFetches()).isEqualTo(1);
    }
  }

  @Nested
  class Caching {
    /** Removes RSA's key from the provider's view: publishes only the next key and makes the provider refetch. */
    void retireTheFirstKey(JwtAuthProvider provider) throws Exception {
      idp.publish(NEXT_RSA);
      clock.advance(Duration.ofSeconds(31));
      principalOf(authenticate(provider, valid(NEXT_RSA).sign()));
    }

    @Test
    void aVerifiedTokenIsAnsweredFromTheCacheWithoutVerifyingAgain() throws Exception {
      JwtAuthProvider provider = provider();
      String token = valid().sign();
      principalOf(authenticate(provider, token));

      retireTheFirstKey(provider);

      assertRejected(authenticate(provider, valid().claim("jti", "fresh").sign()), UNKNOWN_KEY);
      assertThat(principalOf(authenticate(provider, token)).subject()).isEqualTo("alice");
    }

    @Test
    void aCachedTokenIsDroppedWhenItExpires() throws Exception {
      JwtSettings settings = settings();
      settings.clockSkew = Duration.ZERO;
      JwtAuthProvider provider = provider(settings);
      String token = valid().expiresAt(now().plusSeconds(60)).sign();
      principalOf(authenticate(provider, token));

      clock.advance(Duration.ofSeconds(61));
      assertRejected(authenticate(provider, token), EXPIRED);
    }

    @Test
    void theCacheKeepsOnlyTheMostRecentlyUsedTokensWithinItsSize() throws Exception {
      JwtSettings settings = settings();
      settings.cacheSize = 2;
      JwtAuthProvider provider = provider(settings);
      String first = valid().claim("sub", "first").sign();
      String second = valid().claim("sub", "second").sign();
      principalOf(authenticate(provider, first));
      principalOf(authenticate(provider, second));

      retireTheFirstKey(provider);

      assertThat(principalOf(authenticate(provider, second)).subject()).isEqualTo("second");
      assertRejected(authenticate(provider, first), UNKNOWN_KEY);
    }
  }

  @Nested
  class Outages {
    static void assertUnavailable(AuthOutcome outcome, String detail) {
      AuthOutcome.Rejected rejected = rejectionOf(outcome);
      assertThat(rejected.cause()).isEqualTo(PROVIDER_UNREACHABLE);
      assertThat(rejected.unavailable()).isTrue();
      assertThat(rejected.detail()).contains(detail);
    }

    @Test
    void anIdentityProviderThatIsDownMakesTheProviderUnavailable() throws Exception {
      JwtAuthProvider provider = provider();
      String issuer = idp.issuer();
      idp.stop();

      assertUnavailable(authenticate(provider, valid().sign()), issuer + "/.well-known/openid-configuration");
    }

    @Test
    void aJwksThatAnswersAnErrorMakesTheProviderUnavailable() throws Exception {
      idp.answerJwksWith(503);

      assertUnavailable(authenticate(provider(), valid().sign()), "HTTP 503");
    }

    @Test
    void aFailedFetchIsRetriedOnlyAfterTheMinimumInterval() throws Exception {
      JwtAuthProvider provider = provider();
      idp.answerJwksWith(500);
      assertUnavailable(authenticate(provider, valid().sign()), "HTTP 500");
      idp.answerJwksWith(200);

      assertUnavailable(authenticate(provider, valid().sign()), "HTTP 500");
      assertThat(idp.jwksFetches()).isEqualTo(1);

      clock.advance(Duration.ofSeconds(30));
      principalOf(authenticate(provider, valid().sign()));
    }

    @Test
    void theProviderRecoversWhenTheIdentityProviderComesBack() throws Exception {
      JwtAuthProvider provider = provider();
      idp.stop();
      assertUnavailable(authenticate(provider, valid().sign()), "cannot fetch");

      idp.restart();
      clock.advance(Duration.ofSeconds(30));
      principalOf(authenticate(provider, valid().sign()));
    }

    @Test
    void aDiscoveryDocumentThatNamesAnotherIssuerIsNotTrusted() throws Exception {
      idp.advertiseIssuer("https://evil.example.com");

      assertUnavailable(authenticate(provider(), valid().sign()), "names issuer https://evil.example.com");
      assertThat(idp.jwksFetches()).isZero();
    }

    @Test
    void aLoopbackIdentityProviderIsRefusedUnlessPrivateTargetsAreAllowed() throws Exception {
      JwtAuthProvider provider = new JwtAuthProvider(vertx, settings().build(), () -> AUDIENCE, new TargetGuard(vertx, false), clock);

      assertUnavailable(authenticate(provider, valid().sign()), "loopback");
      assertThat(idp.discoveryFetches()).isZero();
      assertThat(idp.jwksFetches()).isZero();
    }
  }
}
