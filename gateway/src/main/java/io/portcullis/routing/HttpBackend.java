package io.portcullis.routing;

import io.portcullis.config.HttpBackendConfig;
import io.portcullis.mcp.JsonRpcRequest;
import io.portcullis.mcp.McpHeaders;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;

/**
 * A backend speaking MCP Streamable HTTP, reached through one pooled keep-alive Vert.x HTTP
 * client. Each gateway session opens its own backend session; the client's credentials never
 * travel upstream, only the gateway's own for this backend.
 */
public final class HttpBackend implements Backend {
  private final Vertx vertx;
  private final String name;
  private final HttpBackendConfig config;
  private final InFlightRequests inFlight = new InFlightRequests();
  private final UpstreamHttpClient http;

  /** @param eventLoops how many event loops serve clients (the backend's connections are shared out between them) */
  public HttpBackend(Vertx vertx, String name, HttpBackendConfig config, int eventLoops) {
    this.vertx = vertx;
    this.name = name;
    this.config = config;
    this.http = new UpstreamHttpClient(vertx, name, config, eventLoops);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Future<Void> start() {
    http.start();
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> stop() {
    return http.stop();
  }

  @Override
  public Future<UpstreamSession> open(JsonRpcRequest initialize) {
    return HttpUpstreamSession.open(this, initialize);
  }

  Vertx vertx() {
    return vertx;
  }

  HttpBackendConfig config() {
    return config;
  }

  InFlightRequests inFlight() {
    return inFlight;
  }

  /** Sends one MCP request upstream; the future completes when the response's headers have arrived. */
  Future<HttpClientResponse> send(HttpMethod method, String sessionId, String protocolVersion, Buffer body,
      MultiMap extraHeaders, long idleTimeoutMillis) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    headers.add(HttpHeaders.ACCEPT, body != null || method == HttpMethod.POST
        ? McpHeaders.APPLICATION_JSON + ", " + McpHeaders.TEXT_EVENT_STREAM : McpHeaders.TEXT_EVENT_STREAM);
    if (sessionId != null) {
      headers.add(McpHeaders.SESSION_ID, sessionId);
    }
    if (protocolVersion != null) {
      headers.add(McpHeaders.PROTOCOL_VERSION, protocolVersion);
    }
    if (extraHeaders != null) {
      headers.addAll(extraHeaders);
    }
    return http.send(method, config.url(), headers, body, idleTimeoutMillis);
  }
}
