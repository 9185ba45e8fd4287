package io.portcullis.auth;

import io.portcullis.auth.fetch.GuardedFetcher;
import io.portcullis.config.ExternalAuthorizationServerConfig;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves an external authorization server's RFC 8414 metadata at every path MCP clients are seen
 * to probe, fetched (through the SSRF guard), cached, and normalised where the upstream document
 * is non-standard. Answers are always JSON, errors included.
 */
public final class AuthorizationServerMetadataProxy {
  private static final Logger LOG = LoggerFactory.getLogger(AuthorizationServerMetadataProxy.class);

  private final ExternalAuthorizationServerConfig config;
  private final GuardedFetcher fetcher;
  private JsonObject cached;
  private long cachedAtMillis;

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

  /** The normalised metadata, from the cache while it is fresh. */
  Future<JsonObject> metadata() {
    JsonObject fresh = cached;
    if (fresh != null && System.currentTimeMillis() - cachedAtMillis < config.cacheTtl().toMillis()) {
      return Future.succeededFuture(fresh);
    }
    Future<JsonObject> fetched = config.metadataUrl() != null
        ? fetcher.getJson(config.metadataUrl())
        : fetcher.getJson(wellKnown("oauth-authorization-server")).recover(e -> fetcher.getJson(wellKnown("openid-configuration")));
    return fetched.map(AuthorizationServerMetadataProxy::normalise).map(doc -> {
      cached = doc;
      cachedAtMillis = System.currentTimeMillis();
      return doc;
    }).recover(e -> cached != null ? Future.succeededFuture(cached) : Future.failedFuture(e));
  }

  /** RFC 8414 §3: the well-known segment goes between the host and the issuer's path. */
  private String wellKnown(String suffix) {
    URI issuer = URI.create(config.issuer());
    String path = issuer.getRawPath() == null || issuer.getRawPath().equals("/") ? "" : issuer.getRawPath();
    return issuer.getScheme() + "://" + issuer.getRawAuthority() + "/.well-known/" + suffix + path;
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
