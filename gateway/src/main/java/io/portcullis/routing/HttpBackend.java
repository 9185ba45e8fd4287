package io.portcullis.routing;

import io.portcullis.config.HttpBackendConfig;
import io.portcullis.mcp.JsonRpcRequest;
import io.portcullis.mcp.McpHeaders;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;

/**
 * A backend speaking MCP Streamable HTTP, reached through one pooled keep-alive Vert.x HTTP
 * client. Each gateway session opens its own backend session; the client's credentials never
 * travel upstream, only the headers configured for this backend.
 */
public final class HttpBackend implements Backend {
  private final Vertx vertx;
  private final String name;
  private final HttpBackendConfig config;
  private final URI url;
  private final InFlightRequests inFlight = new InFlightRequests();
  private HttpClientAgent client;

  public HttpBackend(Vertx vertx, String name, HttpBackendConfig config) {
    this.vertx = vertx;
    this.name = name;
    this.config = config;
    this.url = URI.create(config.url());
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Future<Void> start() {
    HttpClientOptions options = new HttpClientOptions()
        .setKeepAlive(true)
        .setConnectTimeout((int) config.connectTimeout().toMillis())
        .setSsl("https".equals(url.getScheme()));
    client = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(config.maxConnections()));
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> stop() {
    return client == null ? Future.succeededFuture() : client.close();
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

  /** Sends one request upstream; the future completes when the response's headers have arrived. */
  Future<HttpClientResponse> send(HttpMethod method, String sessionId, String protocolVersion, Buffer body,
      MultiMap extraHeaders, long idleTimeoutMillis) {
    RequestOptions options = new RequestOptions()
        .setMethod(method)
        .setAbsoluteURI(url.toString())
        .setIdleTimeout(idleTimeoutMillis);
    options.putHeader(HttpHeaders.USER_AGENT, "Portcullis");
    config.headers().forEach(options::putHeader);
    options.putHeader(HttpHeaders.ACCEPT, body != null || method == HttpMethod.POST
        ? McpHeaders.APPLICATION_JSON + ", " + McpHeaders.TEXT_EVENT_STREAM : McpHeaders.TEXT_EVENT_STREAM);
    if (sessionId != null) {
      options.putHeader(McpHeaders.SESSION_ID, sessionId);
    }
    if (protocolVersion != null) {
      options.putHeader(McpHeaders.PROTOCOL_VERSION, protocolVersion);
    }
    if (extraHeaders != null) {
      options.getHeaders().addAll(extraHeaders);
    }
    return client.request(options).compose(request -> {
      if (body == null) {
        return request.send();
      }
      request.putHeader(HttpHeaders.CONTENT_TYPE, McpHeaders.APPLICATION_JSON);
      return request.send(body);
    });
  }
}
