package io.portcullis.auth.introspection;

import io.portcullis.auth.AuthOutcome;
import io.portcullis.auth.AuthProvider;
import io.portcullis.auth.AuthRequest;
import io.portcullis.auth.ClaimsMapper;
import io.portcullis.auth.Principal;
import io.portcullis.auth.RejectionCause;
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

/**
 * Checks opaque bearer tokens at an RFC 7662 introspection endpoint, authenticating to it with
 * HTTP Basic as the configured client. An active token becomes a principal through the claim
 * mapping; answers are cached (bounded, for at most the configured TTL and never past the token's
 * {@code exp}). Introspection cannot tell whose a token is, so every bearer token is its own: an
 * inactive one is rejected. Put this provider last in a chain.
 */
public final class IntrospectionAuthProvider implements AuthProvider {
  private final IntrospectionProviderConfig config;
  private final GuardedFetcher fetcher;
  private final ClaimsMapper mapper;
  private final TokenCache cache;
  private final Clock clock;
  private final String authorization;

  public IntrospectionAuthProvider(Vertx vertx, IntrospectionProviderConfig config, TargetGuard guard) {
    this(vertx, config, guard, Clock.systemUTC());
  }

  IntrospectionAuthProvider(Vertx vertx, IntrospectionProviderConfig config, TargetGuard guard, Clock clock) {
    this.config = config;
    this.fetcher = new GuardedFetcher(vertx, guard, config.timeout());
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
   * UNKNOWN_TOKEN when the endpoint says the token is not active, EXPIRED or NOT_YET_VALID by its
   * {@code exp} and {@code nbf}, the claim mapping's causes, and PROVIDER_UNREACHABLE
   * (unavailable) when the endpoint cannot answer.
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
    return fetcher.postForm(config.endpoint(), Map.of("token", token, "token_type_hint", "access_token"), authorization)
        .transform(ar -> Future.succeededFuture(ar.succeeded() ? judge(ar.result(), cacheKey)
            : new AuthOutcome.Rejected(RejectionCause.PROVIDER_UNREACHABLE, ar.cause().getMessage(), true)));
  }

  private AuthOutcome judge(JsonObject answer, String cacheKey) {
    if (!Boolean.TRUE.equals(answer.getValue("active"))) {
      return AuthOutcome.Rejected.because(RejectionCause.UNKNOWN_TOKEN, "the introspection endpoint says the token is not active");
    }
    Instant now = clock.instant();
    Instant expiresAt = ClaimsMapper.expiry(answer);
    if (expiresAt != null && !now.isBefore(expiresAt)) {
      return AuthOutcome.Rejected.because(RejectionCause.EXPIRED, "expired at " + expiresAt);
    }
    if (answer.getValue("nbf") instanceof Number nbf && now.isBefore(Instant.ofEpochSecond(nbf.longValue()))) {
      return AuthOutcome.Rejected.because(RejectionCause.NOT_YET_VALID, "not valid before " + Instant.ofEpochSecond(nbf.longValue()));
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
