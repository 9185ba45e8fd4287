package io.portcullis.auth;

import io.portcullis.auth.fetch.GuardedFetcher;
import io.portcullis.config.ExternalAuthorizationServerConfig;
import io.portcullis.pipeline.SharedWork;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves an external authorization server's RFC 8414 metadata at every path MCP clients are seen
 * to probe, fetched (through the SSRF guard) from where the issuer's metadata may be, used only
 * when it names that issuer, cached, and normalised where the upstream document is non-standard.
 * Answers are always JSON, errors included.
 */
public final class AuthorizationServerMetadataProxy {
  private static final Logger LOG = LoggerFactory.getLogger(AuthorizationServerMetadataProxy.class);

  private final ExternalAuthorizationServerConfig config;
  static final long RETRY_AFTER_FAILURE_MILLIS = 5_000;

  private record Snapshot(JsonObject document, long atMillis) {}

  private record Failed(Throwable cause, long atMillis) {}

  private final GuardedFetcher fetcher;
  // Read and written by every event loop: each holder is replaced whole.
  private volatile Snapshot cached;
  private volatile Failed lastFailure;
  private final AtomicReference<Future<JsonObject>> fetching = new AtomicReference<>();

  public AuthorizationServerMetadataProxy(ExternalAuthorizationServerConfig config, GuardedFetcher fetcher) {
    this.config = config;
    this.fetcher = fetcher;
  }

  /** The paths clients probe, for a resource served at {@code mcpPath}. */
  public static List<String> probedPaths(String mcpPath) {
    return List.of("/.well-known/oauth-authorization-server", "/.well-known/oauth-authorization-server" + mcpPath,
        "/.well-known/openid-configuration", "/.well-known/openid-configuration" + mcpPath,
        mcpPath + "/.well-known/openid-configuration");
  }

  public void mount(Router router, String mcpPath) {
    probedPaths(mcpPath).forEach(path -> router.get(path).handler(this::serve));
  }

  private void serve(RoutingContext ctx) {
    metadata().onSuccess(ctx::json).onFailure(e -> {
      LOG.warn("authorization server metadata from {} unavailable: {}", config.issuer(), e.getMessage());
      ctx.response().setStatusCode(502);
      ctx.json(new JsonObject().put("error", "temporarily_unavailable")
          .put("error_description", "the authorization server's metadata cannot be fetched"));
    });
  }

  /**
   * The normalised metadata, from the cache while it is fresh. Requests that find it stale share
   * one fetch; after a failed fetch the last good document (or the failure) is answered for
   * {@value #RETRY_AFTER_FAILURE_MILLIS} ms before the next attempt, so unauthenticated probes
   * cannot make the gateway hammer an authorization server that is down.
   */
  Future<JsonObject> metadata() {
    Snapshot known = cached;
    long now = System.currentTimeMillis();
    if (known != null && now - known.atMillis() < config.cacheTtl().toMillis()) {
      return Future.succeededFuture(known.document());
    }
    Failed failed = lastFailure;
    if (failed != null && now - failed.atMillis() < RETRY_AFTER_FAILURE_MILLIS) {
      return known != null ? Future.succeededFuture(known.document()) : Future.failedFuture(failed.cause());
    }
    Promise<JsonObject> mine = Promise.promise();
    Future<JsonObject> running = fetching.compareAndExchange(null, mine.future());
    if (running == null) {
      running = mine.future();
      fetchChecked().onComplete(ar -> {
        if (ar.succeeded()) {
          cached = new Snapshot(ar.result(), System.currentTimeMillis());
          lastFailure = null;
        } else {
          lastFailure = new Failed(ar.cause(), System.currentTimeMillis());
        }
        fetching.set(null);
        mine.handle(ar);
      });
    }
    return SharedWork.forCaller(running).recover(e -> known != null ? Future.succeededFuture(known.document()) : Future.failedFuture(e));
  }

  /** The first candidate document that names this issuer, normalised. */
  private Future<JsonObject> fetchChecked() {
    List<String> candidates = config.metadataUrl() != null ? List.of(config.metadataUrl()) : candidateUrls(config.issuer());
    return tryFrom(candidates, 0, null).map(AuthorizationServerMetadataProxy::normalise);
  }

  private Future<JsonObject> tryFrom(List<String> urls, int index, Throwable previous) {
    if (index == urls.size()) {
      return Future.failedFuture(previous);
    }
    String url = urls.get(index);
    return fetcher.getJson(url).compose(doc -> config.issuer().equals(doc.getValue("issuer")) ? Future.succeededFuture(doc)
        // RFC 8414 §3.3: a document naming another issuer must not be used (it could send clients anywhere).
        : Future.<JsonObject>failedFuture(new IllegalStateException(url + " names the issuer " + doc.getValue("issuer")
            + ", not " + config.issuer())))
        .recover(e -> tryFrom(urls, index + 1, e));
  }

  /**
   * Where an issuer's metadata may be, in the order the MCP authorization spec has clients try
   * them: RFC 8414's and OIDC's well-known segment inserted between the host and the issuer's path,
   * then OIDC Discovery §4's, appended to the issuer (Keycloak, Entra ID v2, Okta custom servers).
   */
  static List<String> candidateUrls(String issuer) {
    URI uri = URI.create(issuer);
    String path = uri.getRawPath() == null || uri.getRawPath().equals("/") ? "" : uri.getRawPath();
    String origin = uri.getScheme() + "://" + uri.getRawAuthority();
    List<String> urls = new ArrayList<>(List.of(origin + "/.well-known/oauth-authorization-server" + path,
        origin + "/.well-known/openid-configuration" + path));
    if (!path.isEmpty()) {
      urls.add(origin + (path.endsWith("/") ? path.substring(0, path.length() - 1) : path) + "/.well-known/openid-configuration");
    }
    return urls;
  }

  /**
   * Repairs what real authorization servers get wrong in ways that break MCP clients: a grant type
   * named {@code authorization_code_with_pkce} where the token endpoint accepts
   * {@code authorization_code}, and a missing {@code response_types_supported}.
   */
  static JsonObject normalise(JsonObject upstream) {
    JsonObject doc = upstream.copy();
    JsonArray grants = doc.getJsonArray("grant_types_supported");
    if (grants != null && grants.contains("authorization_code_with_pkce") && !grants.contains("authorization_code")) {
      grants.add("authorization_code");
    }
    if (!doc.containsKey("response_types_supported")) {
      doc.put("response_types_supported", new JsonArray().add("code"));
    }
    return doc;
  }
}
