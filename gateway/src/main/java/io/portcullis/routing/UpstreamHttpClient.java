package io.portcullis.routing;

import io.portcullis.config.HttpBackendConfig;
import io.portcullis.observe.TraceContext;
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

/**
 * The pooled keep-alive HTTP client of one HTTP backend, carrying the gateway's own credentials
 * for it: the configured headers, or a client-credentials token (a 401 is answered by sending the
 * request once more with a fresh token). Of the client's request only the trace context is passed
 * on (a W3C traceparent naming the gateway's span); never its credentials. Long-lived GET streams
 * use a pool of their own, so that they never hold the connections calls need.
 */
final class UpstreamHttpClient {
  /** Open GET streams to one backend at most: one connection each. */
  private static final int MAX_STREAMS = 100_000;

  private final Vertx vertx;
  private final HttpBackendConfig config;
  private final ClientCredentialsTokens tokens;
  private HttpClientAgent client;
  private HttpClientAgent streams;

  UpstreamHttpClient(Vertx vertx, String backend, HttpBackendConfig config) {
    this.vertx = vertx;
    this.config = config;
    this.tokens = config.oauth() == null ? null : new ClientCredentialsTokens(vertx, backend, config.oauth());
  }

  void start() {
    HttpClientOptions options = new HttpClientOptions()
        .setKeepAlive(true)
        .setConnectTimeout((int) config.connectTimeout().toMillis())
        .setSsl(config.url().startsWith("https:"));
    client = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(config.maxConnections()));
    // A GET stream holds its connection for as long as the client listens: from the request pool,
    // a few dozen idle streams would make every call to the backend wait. Streams get their own.
    streams = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(MAX_STREAMS));
  }

  Future<Void> stop() {
    Future<Void> tokensClosed = tokens == null ? Future.succeededFuture() : tokens.close();
    return tokensClosed.compose(v -> client == null ? Future.succeededFuture() : client.close())
        .compose(v -> streams == null ? Future.succeededFuture() : streams.close());
  }

  /** Sends one request; the future completes when the response's headers have arrived. */
  Future<HttpClientResponse> send(HttpMethod method, String absoluteUri, MultiMap givenHeaders, Buffer body, long idleTimeoutMillis) {
    MultiMap headers = givenHeaders;
    TraceContext trace = TraceContext.current();
    if (trace != null) {
      headers = MultiMap.caseInsensitiveMultiMap().addAll(givenHeaders == null ? MultiMap.caseInsensitiveMultiMap() : givenHeaders);
      headers.set("traceparent", trace.traceparent());
    }
    if (tokens == null) {
      return sendWith(null, method, absoluteUri, headers, body, idleTimeoutMillis);
    }
    MultiMap sent = headers;
    return tokens.current().compose(token -> sendWith(token, method, absoluteUri, sent, body, idleTimeoutMillis)
        .compose(response -> {
          if (response.statusCode() != 401) {
            return Future.succeededFuture(response);
          }
          tokens.rejected(token);
          return response.body().otherwiseEmpty().compose(ignored -> tokens.current())
              .compose(fresh -> sendWith(fresh, method, absoluteUri, sent, body, idleTimeoutMillis));
        }));
  }

  private Future<HttpClientResponse> sendWith(String token, HttpMethod method, String absoluteUri, MultiMap headers,
      Buffer body, long idleTimeoutMillis) {
    RequestOptions options = new RequestOptions().setMethod(method).setAbsoluteURI(absoluteUri).setIdleTimeout(idleTimeoutMillis);
    options.putHeader(HttpHeaders.USER_AGENT, "Portcullis");
    config.headers().forEach(options::putHeader);
    if (token != null) {
      options.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token);
    }
    if (headers != null) {
      options.getHeaders().addAll(headers);
    }
    return (method == HttpMethod.GET ? streams : client).request(options).compose(request -> {
      if (body == null) {
        return request.send();
      }
      request.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
      return request.send(body);
    });
  }
}
