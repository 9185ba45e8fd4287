package io.portcullis.auth.jwt;

import io.portcullis.auth.fetch.FetchException;
import io.portcullis.auth.fetch.GuardedFetcher;
import io.portcullis.pipeline.SharedWork;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The issuer's signing keys: read from the configured JWKS URL, or from the {@code jwks_uri} of
 * the issuer's OIDC discovery document, and kept in memory. A key id not in the set triggers one
 * refetch, at most once per {@code minInterval}; so does a set older than {@link #MAX_AGE} (in the
 * background: the known keys keep answering meanwhile). Concurrent callers share one fetch.
 * Thread-safe.
 */
final class KeySource {
  static final Duration MAX_AGE = Duration.ofMinutes(10);
  private static final Logger LOG = LoggerFactory.getLogger(KeySource.class);

  private final GuardedFetcher fetcher;
  private final String issuer;
  private final Duration minInterval;
  private final Clock clock;

  private List<JsonWebKey> keys;
  private Instant loadedAt;
  private Instant lastAttempt;
  private String lastFailure;
  private String jwksUri;
  private Future<List<JsonWebKey>> inFlight;

  KeySource(GuardedFetcher fetcher, String issuer, String jwksUri, Duration minInterval, Clock clock) {
    this.fetcher = fetcher;
    this.issuer = issuer;
    this.jwksUri = jwksUri;
    this.minInterval = minInterval;
    this.clock = clock;
  }

  /**
   * The keys that may have signed a token with this key id (all keys fitting {@code algorithm}
   * when the token names none). Completes with an empty list when no such key exists even after
   * the refetch the rate limit allows; fails with a {@link FetchException} when the keys cannot
   * be fetched.
   */
  Future<List<JsonWebKey>> candidates(String kid, JwsAlgorithm algorithm) {
    List<JsonWebKey> known;
    boolean mayRefetch;
    boolean stale;
    String failure;
    synchronized (this) {
      Instant now = clock.instant();
      mayRefetch = lastAttempt == null || !now.isBefore(lastAttempt.plus(minInterval));
      known = keys == null ? null : select(keys, kid, algorithm);
      stale = keys != null && !now.isBefore(loadedAt.plus(MAX_AGE));
      failure = lastFailure;
    }
    if (known == null) {
      return mayRefetch || failure == null ? SharedWork.forCaller(refresh()).map(fresh -> select(fresh, kid, algorithm))
          : Future.failedFuture(new FetchException(failure));
    }
    if (known.isEmpty()) {
      return mayRefetch ? SharedWork.forCaller(refresh()).map(fresh -> select(fresh, kid, algorithm)) : Future.succeededFuture(known);
    }
    if (stale && mayRefetch) {
      refresh().onFailure(e -> LOG.warn("could not refresh the keys of {}, keeping the known ones: {}", issuer, e.getMessage()));
    }
    return Future.succeededFuture(known);
  }

  private static List<JsonWebKey> select(List<JsonWebKey> keys, String kid, JwsAlgorithm algorithm) {
    return keys.stream().filter(k -> kid == null ? k.fits(algorithm) : kid.equals(k.kid())).toList();
  }

  private synchronized Future<List<JsonWebKey>> refresh() {
    if (inFlight != null) {
      return inFlight;
    }
    Promise<List<JsonWebKey>> promise = Promise.promise();
    Future<List<JsonWebKey>> future = promise.future();
    inFlight = future;
    lastAttempt = clock.instant();
    jwksUri().compose(uri -> fetcher.getJson(uri).map(jwks -> read(uri, jwks))).onComplete(ar -> {
      synchronized (this) {
        if (inFlight == future) {
          inFlight = null;
        }
        if (ar.succeeded()) {
          keys = ar.result();
          loadedAt = clock.instant();
          lastFailure = null;
        } else {
          lastFailure = ar.cause().getMessage();
        }
      }
      promise.handle(ar);
    });
    return future;
  }

  private static List<JsonWebKey> read(String uri, JsonObject jwks) {
    try {
      return JsonWebKey.readSet(jwks);
    } catch (IllegalArgumentException e) {
      throw new FetchException("the JWKS at " + uri + " is not a key set: " + e.getMessage());
    }
  }

  private Future<String> jwksUri() {
    String known;
    synchronized (this) {
      known = jwksUri;
    }
    if (known != null) {
      return Future.succeededFuture(known);
    }
    String discovery = (issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer)
        + "/.well-known/openid-configuration";
    return fetcher.getJson(discovery).map(document -> {
      if (!issuer.equals(document.getValue("issuer"))) {
        throw new FetchException("the discovery document at " + discovery + " names issuer "
            + document.getValue("issuer") + ", not " + issuer);
      }
      if (!(document.getValue("jwks_uri") instanceof String uri)) {
        throw new FetchException("the discovery document at " + discovery + " has no jwks_uri");
      }
      synchronized (this) {
        jwksUri = uri;
      }
      return uri;
    });
  }
}
