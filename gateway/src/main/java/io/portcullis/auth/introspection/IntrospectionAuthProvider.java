package io.portcullis.auth.introspection;

import io.portcullis.auth.AudienceCheck;
import io.portcullis.auth.AuthOutcome;
import io.portcullis.auth.AuthProvider;
import io.portcullis.auth.AuthRequest;
import io.portcullis.auth.ClaimsMapper;
import io.portcullis.auth.Principal;
import io.portcullis.auth.RejectionCause;
import io.portcullis.auth.TokenKinds;
import io.portcullis.auth.fetch.GuardedFetcher;
import io.portcullis.auth.fetch.TargetGuard;
import io.portcullis.auth.fetch.TokenCache;
import io.portcullis.config.IntrospectionProviderConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks opaque bearer tokens at an RFC 7662 introspection endpoint, authenticating to it with
 * HTTP Basic as the configured client. An active token becomes a principal through the claim
 * mapping; answers are cached (bounded, for at most the configured TTL and never past the token's
 * {@code exp}). Introspection cannot tell whose a token is, so every bearer token is its own: an
 * inactive one is rejected. Put this provider last in a chain.
 *
 * <p>"Active" only says the authorization server knows the token: it may have been issued for
 * another service of the same server, or be a refresh or ID token. So an active token is also
 * refused unless its {@code aud} names this gateway (see {@link AudienceCheck}), its {@code iss}
 * is the configured issuer (when one is), and it is not a refresh or ID token by its
 * {@code token_type} or {@code typ}.
 */
public final class IntrospectionAuthProvider implements AuthProvider {
  private static final Logger LOG = LoggerFactory.getLogger(IntrospectionAuthProvider.class);
  private final IntrospectionProviderConfig config;
  private final GuardedFetcher fetcher;
  private final ClaimsMapper mapper;
  private final TokenCache cache;
  private final Clock clock;
  private final String authorization;
  private final AudienceCheck audiences;
  private final IntrospectionsInFlight inFlight;

  /**
   * {@code defaultAudience} supplies the gateway's public /mcp URL, the expected audience when the
   * configuration names none (null until it is known).
   */
  public IntrospectionAuthProvider(Vertx vertx, IntrospectionProviderConfig config, Supplier<String> defaultAudience,
      TargetGuard guard) {
    this(vertx, config, defaultAudience, guard, Clock.systemUTC());
  }

  IntrospectionAuthProvider(Vertx vertx, IntrospectionProviderConfig config, Supplier<String> defaultAudience,
      TargetGuard guard, Clock clock) {
    this.config = config;
    this.audiences = new AudienceCheck(config.checkAudience(), config.audiences(), defaultAudience);
    this.inFlight = new IntrospectionsInFlight(vertx, config.maxInFlightPerPeer(), config.timeout().toMillis());
    if (!config.checkAudience()) {
      LOG.warn("introspection provider {}: the audience check is off, so an active token the authorization server"
          + " issued for any other service is accepted", config.endpoint());
    }
    // Every request with a new token waits for a check: more connections than one peer may fill.
    this.fetcher = new GuardedFetcher(vertx, guard, config.timeout(), 2 * config.maxInFlightPerPeer());
    this.mapper = new ClaimsMapper(kind(), config.claims(), config.allow(), config.requiredScopes());
    this.cache = new TokenCache(config.cacheSize(), clock);
    this.clock = clock;
    this.authorization = config.clientId() == null ? null : "Basic " + Base64.getEncoder().encodeToString(
        (formEncode(config.clientId()) + ":" + formEncode(config.clientSecret() == null ? "" : config.clientSecret()))
            .getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String kind() {
    return "introspection";
  }

  /**
   * Completes with "not mine" without a bearer token; otherwise authenticated, or rejected:
   * UNKNOWN_TOKEN when the endpoint says the token is not active or not an access token,
   * WRONG_ISSUER and WRONG_AUDIENCE when it was not issued for this gateway, EXPIRED or NOT_YET_VALID by its
   * {@code exp} and {@code nbf}, the claim mapping's causes, and PROVIDER_UNREACHABLE
   * (unavailable) when the endpoint cannot answer, or the peer's checks of other tokens fill its
   * slots and its waiting line (see {@link IntrospectionsInFlight}).
   */
  @Override
  public Future<AuthOutcome> authenticate(AuthRequest request) {
    String token = request.bearerToken();
    if (token == null) {
      return Future.succeededFuture(AuthOutcome.notMine());
    }
    String cacheKey = TokenCache.keyOf(token);
    Principal cached = cache.get(cacheKey);
    if (cached != null) {
      return Future.succeededFuture(new AuthOutcome.Authenticated(cached));
    }
    return inFlight.check(cacheKey, request.peerAddress(), () -> introspect(token, cacheKey));
  }

  private Future<AuthOutcome> introspect(String token, String cacheKey) {
    return fetcher.postForm(config.endpoint(), Map.of("token", token, "token_type_hint", "access_token"), authorization)
        .transform(ar -> Future.succeededFuture(ar.succeeded() ? judge(ar.result(), cacheKey)
            : new AuthOutcome.Rejected(RejectionCause.PROVIDER_UNREACHABLE, ar.cause().getMessage(), true)));
  }

  private AuthOutcome judge(JsonObject answer, String cacheKey) {
    if (!Boolean.TRUE.equals(answer.getValue("active"))) {
      return AuthOutcome.Rejected.because(RejectionCause.UNKNOWN_TOKEN, "the introspection endpoint says the token is not active");
    }
    String kind = TokenKinds.notAnAccessToken(answer);
    if (kind != null) {
      return AuthOutcome.Rejected.because(RejectionCause.UNKNOWN_TOKEN, "the introspection endpoint says this is " + kind
          + ", not an access token");
    }
    if (config.issuer() != null && !config.issuer().equals(answer.getValue("iss"))) {
      return AuthOutcome.Rejected.because(RejectionCause.WRONG_ISSUER, "iss " + answer.getValue("iss") + " is not " + config.issuer());
    }
    Instant now = clock.instant();
    Instant expiresAt = ClaimsMapper.expiry(answer);
    if (expiresAt != null && !now.isBefore(expiresAt)) {
      return AuthOutcome.Rejected.because(RejectionCause.EXPIRED, "expired at " + expiresAt);
    }
    Instant notBefore = ClaimsMapper.numericDate(answer.getValue("nbf"));
    if (notBefore != null && now.isBefore(notBefore)) {
      return AuthOutcome.Rejected.because(RejectionCause.NOT_YET_VALID, "not valid before " + notBefore);
    }
    String audienceProblem = audiences.problem(answer.getValue("aud"));
    if (audienceProblem != null) {
      return AuthOutcome.Rejected.because(RejectionCause.WRONG_AUDIENCE, audienceProblem);
    }
    AuthOutcome outcome = mapper.map(answer);
    if (outcome instanceof AuthOutcome.Authenticated authenticated) {
      Instant until = now.plus(config.cacheTtl());
      cache.put(cacheKey, authenticated.principal(), expiresAt != null && expiresAt.isBefore(until) ? expiresAt : until);
    }
    return outcome;
  }

  private static String formEncode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
