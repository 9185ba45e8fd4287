package io.portcullis.auth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.List;

/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728) for /mcp, at the root path and at the path
 * with the resource's own path appended (where clients following the 2025-06-18 spec look).
 * {@code resource} is exactly the public /mcp URL.
 */
public final class ProtectedResourceMetadata {
  private final PublicEndpoint endpoint;
  private final java.util.function.Supplier<List<String>> authorizationServers;
  private final List<String> scopes;

  /** {@code authorizationServers} is asked at each request: the built-in server's issuer is known only once the port is bound. */
  public ProtectedResourceMetadata(PublicEndpoint endpoint, java.util.function.Supplier<List<String>> authorizationServers,
      List<String> scopes) {
    this.endpoint = endpoint;
    this.authorizationServers = authorizationServers;
    this.scopes = List.copyOf(scopes);
  }

  public void mount(Router router, String mcpPath) {
    router.get("/.well-known/oauth-protected-resource").handler(ctx -> ctx.json(document()));
    router.get("/.well-known/oauth-protected-resource" + mcpPath).handler(ctx -> ctx.json(document()));
  }

  JsonObject document() {
    JsonObject doc = new JsonObject()
        .put("resource", endpoint.mcpUrl())
        .put("authorization_servers", new JsonArray(authorizationServers.get()))
        .put("bearer_methods_supported", new JsonArray().add("header"))
        .put("resource_name", "Portcullis MCP gateway");
    if (!scopes.isEmpty()) {
      doc.put("scopes_supported", new JsonArray(scopes));
    }
    return doc;
  }
}
