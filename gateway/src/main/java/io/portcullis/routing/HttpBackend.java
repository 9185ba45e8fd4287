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
  private final ClientCredentialsTokens tokens;
  private HttpClientAgent client;

  public HttpBackend(Vertx vertx, String name, HttpBackendConfig config) {
    this.vertx = vertx;
    this.name = name;
    this.config = config;
    this.url = URI.create(config.url());
    this.tokens = config.oauth() == null ? null : new ClientCredentialsTokens(vertx, name, config.oauth());
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
    Future<Void> tokensClosed = tokens == null ? Future.succeededFuture() : tokens.close();
    return tokensClosed.compose(v -> client == null ? Future.succeededFuture() : client.close());
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

  /**
   * Sends one request upstream; the future completes when the response's headers have arrived.
   * With client credentials, the request carries the current token, and a 401 is answered by
   * sending it once more with a fresh token.
   */
  Future<HttpClientResponse> send(HttpMethod method, String sessionId, String protocolVersion, Buffer body,
      MultiMap extraHeaders, long idleTimeoutMillis) {
    if (tokens == null) {
      return sendWith(null, method, sessionId, protocolVersion, body, extraHeaders, idleTimeoutMillis);
    }
    return tokens.current().compose(token -> sendWith(token, method, sessionId, protocolVersion, body, extraHeaders, idleTimeoutMillis)
        .compose(response -> {
          if (response.statusCode() != 401) {
            return Future.succeededFuture(response);
          }
          tokens.rejected(token);
          return response.body().otherwiseEmpty().compose(ignored -> tokens.current())
              .compose(fresh -> sendWith(fresh, method, sessionId, protocolVersion, body, extraHeaders, idleTimeoutMillis));
        }));
  }

  private Future<HttpClientResponse> sendWith(String token, HttpMethod method, String sessionId, String protocolVersion,
      Buffer body, MultiMap extraHeaders, long idleTimeoutMillis) {
    RequestOptions options = new RequestOptions()
        .setMethod(method)
        .setAbsoluteURI(url.toString())
        .setIdleTimeout(idleTimeoutMillis);
    options.putHeader(HttpHeaders.USER_AGENT, "Portcullis");
    config.headers().forEach(options::putHeader);
    if (token != null) {
      options.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token);
    }
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
