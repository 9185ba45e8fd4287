package io.portcullis.auth.jwt;

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
import io.portcullis.config.JwtProviderConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies OAuth 2 / OIDC access tokens that are JWTs signed by one issuer, with that issuer's
 * published keys. A token that is not a JWT, or whose {@code iss} is another issuer, is "not
 * mine", so several issuers can be chained. A token of this issuer is authenticated or rejected
 * with the precise cause; a token already verified is answered from a cache until it expires.
 *
 * <p>The checks, in order: algorithm (only the configured asymmetric ones, never {@code none} or
 * HMAC), key (by {@code kid}, one rate-limited refetch when unknown), signature, {@code exp},
 * {@code nbf} and {@code iat} with the clock skew, audience, then claim mapping, allow conditions
 * and required scopes. Keys named by the token itself ({@code jku}, {@code jwk}, {@code x5u}) are
 * never used, and a token with {@code crit} extensions is refused.
 */
public final class JwtAuthProvider implements AuthProvider {
  private static final Logger LOG = LoggerFactory.getLogger(JwtAuthProvider.class);
  private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(5);

  private final JwtProviderConfig config;
  private final AudienceCheck audiences;
  private final Set<JwsAlgorithm> algorithms;
  private final KeySource keys;
  private final ClaimsMapper mapper;
  private final TokenCache cache;
  private final Clock clock;
  private final boolean accessTokensOnly;

  /**
   * {@code defaultAudience} supplies the gateway's public /mcp URL, the expected audience when the
   * config names none; it may answer null until the server is bound (tokens are then refused).
   */
  public JwtAuthProvider(Vertx vertx, JwtProviderConfig config, Supplier<String> defaultAudience, TargetGuard guard) {
    this(vertx, config, defaultAudience, guard, Clock.systemUTC(), true);
  }

  /**
   * Verifies an identity provider's ID tokens (the OAuth bridge's sign-in) rather than access
   * tokens: the same checks, but a token whose {@code typ} says "ID" is what is wanted here.
   */
  public static JwtAuthProvider forIdTokens(Vertx vertx, JwtProviderConfig config, TargetGuard guard) {
    return new JwtAuthProvider(vertx, config, () -> null, guard, Clock.systemUTC(), false);
  }

  JwtAuthProvider(Vertx vertx, JwtProviderConfig config, Supplier<String> defaultAudience, TargetGuard guard, Clock clock) {
    this(vertx, config, defaultAudience, guard, clock, true);
  }

  private JwtAuthProvider(Vertx vertx, JwtProviderConfig config, Supplier<String> defaultAudience, TargetGuard guard, Clock clock,
      boolean accessTokensOnly) {
    this.config = config;
    this.accessTokensOnly = accessTokensOnly;
    this.audiences = new AudienceCheck(config.checkAudience(), config.audiences(), defaultAudience);
    this.clock = clock;
    this.algorithms = allowedAlgorithms(config);
    this.keys = new KeySource(new GuardedFetcher(vertx, guard, FETCH_TIMEOUT), config.issuer(), config.jwksUri(),
        config.jwksRefreshMinInterval(), clock);
    this.mapper = new ClaimsMapper(kind(), config.claims(), config.allow(), config.requiredScopes());
    this.cache = new TokenCache(config.cacheSize(), clock);
    if (!config.checkAudience()) {
      LOG.warn("jwt provider {}: the audience check is off, so a token this issuer made for any other service is accepted",
          config.issuer());
    }
  }

  @Override
  public String kind() {
    return "jwt";
  }

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
    CompactJwt jwt = CompactJwt.parse(token);
    if (jwt == null || jwt.issuer() == null) {
      return Future.succeededFuture(AuthOutcome.notMine());
    }
    if (!jwt.issuer().equals(config.issuer())) {
      return Future.succeededFuture(sameIssuerSpeltDifferently(jwt.issuer())
          ? reject(RejectionCause.WRONG_ISSUER, "iss " + jwt.issuer() + " is not exactly " + config.issuer())
          : AuthOutcome.notMine());
    }
    JwsAlgorithm algorithm = JwsAlgorithm.named(jwt.alg());
    if (algorithm == null || !algorithms.contains(algorithm)) {
      return Future.succeededFuture(reject(RejectionCause.DISALLOWED_ALGORITHM, "alg " + jwt.alg() + " is not allowed"));
    }
    if (jwt.header().containsKey("crit")) {
      return Future.succeededFuture(reject(RejectionCause.MALFORMED, "crit header extensions are not supported"));
    }
    return keys.candidates(jwt.kid(), algorithm).transform(ar -> Future.succeededFuture(ar.succeeded()
        ? verify(jwt, algorithm, ar.result(), cacheKey)
        : new AuthOutcome.Rejected(RejectionCause.PROVIDER_UNREACHABLE, ar.cause().getMessage(), true)));
  }

  private AuthOutcome verify(CompactJwt jwt, JwsAlgorithm algorithm, List<JsonWebKey> candidates, String cacheKey) {
    if (candidates.isEmpty()) {
      return reject(RejectionCause.UNKNOWN_KEY, jwt.kid() == null ? "no key for " + algorithm + " and no kid"
          : "no key with kid '" + jwt.kid() + "'");
    }
    List<JsonWebKey> fitting = candidates.stream().filter(k -> k.fits(algorithm)).toList();
    if (fitting.isEmpty()) {
      return reject(RejectionCause.BAD_SIGNATURE, candidates.get(0).describe() + " cannot verify " + algorithm);
    }
    if (fitting.stream().noneMatch(key -> signatureHolds(jwt, algorithm, key))) {
      return reject(RejectionCause.BAD_SIGNATURE, "the signature does not verify with " + fitting.get(0).describe());
    }
    AuthOutcome claimsOutcome = checkClaims(jwt.claims());
    if (claimsOutcome instanceof AuthOutcome.Authenticated authenticated) {
      cache.put(cacheKey, authenticated.principal(), authenticated.principal().expiresAt());
    }
    return claimsOutcome;
  }

  private AuthOutcome checkClaims(JsonObject claims) {
    Instant now = clock.instant();
    Duration skew = config.clockSkew();
    Instant expiresAt = ClaimsMapper.expiry(claims);
    if (expiresAt == null) {
      return reject(RejectionCause.MALFORMED, "no exp claim");
    }
    if (!now.isBefore(expiresAt.plus(skew))) {
      return reject(RejectionCause.EXPIRED, "expired at " + expiresAt);
    }
    Instant notBefore = ClaimsMapper.numericDate(claims.getValue("nbf"));
    if (notBefore != null && now.plus(skew).isBefore(notBefore)) {
      return reject(RejectionCause.NOT_YET_VALID, "not valid before " + notBefore);
    }
    Instant issuedAt = ClaimsMapper.numericDate(claims.getValue("iat"));
    if (issuedAt != null && now.plus(skew).isBefore(issuedAt)) {
      return reject(RejectionCause.NOT_YET_VALID, "issued in the future, at " + issuedAt);
    }
    String audienceProblem = audiences.problem(claims.getValue("aud"));
    if (audienceProblem != null) {
      return reject(RejectionCause.WRONG_AUDIENCE, audienceProblem);
    }
    String kind = accessTokensOnly ? TokenKinds.notAnAccessToken(claims) : null;
    if (kind != null) {
      // An ID token passes the audience check when audiences name the client id, or with the check off.
      return reject(RejectionCause.UNKNOWN_TOKEN, "the token says it is " + kind + ", not an access token");
    }
    return mapper.map(claims);
  }

  private static boolean signatureHolds(CompactJwt jwt, JwsAlgorithm algorithm, JsonWebKey key) {
    if (algorithm.signatureLength() > 0 && jwt.signature().length != algorithm.signatureLength()) {
      return false;
    }
    try {
      Signature verifier = algorithm.newVerifier();
      verifier.initVerify(key.key());
      verifier.update(jwt.signingInput());
      return verifier.verify(jwt.signature());
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Whether {@code iss} is this provider's issuer up to case and a trailing slash: a token from
   * the same identity provider whose issuer is configured slightly wrong. It is rejected with a
   * cause that says so rather than passed on.
   */
  private boolean sameIssuerSpeltDifferently(String iss) {
    return normalised(iss).equals(normalised(config.issuer()));
  }

  private static String normalised(String issuer) {
    String lower = issuer.toLowerCase(Locale.ROOT);
    return lower.endsWith("/") ? lower.substring(0, lower.length() - 1) : lower;
  }

  private static Set<JwsAlgorithm> allowedAlgorithms(JwtProviderConfig config) {
    Set<JwsAlgorithm> allowed = EnumSet.noneOf(JwsAlgorithm.class);
    for (String name : config.algorithms()) {
      JwsAlgorithm algorithm = JwsAlgorithm.named(name);
      if (algorithm == null) {
        LOG.warn("jwt provider {}: algorithm {} is never accepted", config.issuer(), name);
      } else {
        allowed.add(algorithm);
      }
    }
    return allowed;
  }

  private static AuthOutcome reject(RejectionCause cause, String detail) {
    return AuthOutcome.Rejected.because(cause, detail);
  }
}
