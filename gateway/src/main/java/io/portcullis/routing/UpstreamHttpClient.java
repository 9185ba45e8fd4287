package io.portcullis.routing;

import io.portcullis.config.HttpBackendConfig;
import io.portcullis.observe.TraceContext;
import io.vertx.core.Context;
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
import java.util.ArrayList;
import java.util.List;

/**
 * The pooled keep-alive HTTP client of one HTTP backend, carrying the gateway's own credentials
 * for it: the configured headers, or a client-credentials token (a 401 is answered by sending the
 * request once more with a fresh token). Of the client's request only the trace context is passed
 * on (a W3C traceparent naming the gateway's span); never its credentials. Long-lived GET streams
 * use a pool of their own, so that they never hold the connections calls need.
 *
 * <p>Calls go through one pool per event loop, filled only by requests from that loop: a shared
 * pool lends a connection to whichever loop asks, and a connection owned by another loop costs a
 * thread hand-off each way per call (the load harness counted one cross-loop wake-up per call).
 * {@code maxConnections} is shared out between the loops.
 */
final class UpstreamHttpClient {
  /** Where a request goes, read once from its absolute URI (a backend's requests all go to one or two). */
  private record Target(String absoluteUri, String host, int port, boolean ssl, String uri) {
    static Target of(String absoluteUri) {
      java.net.URI parsed = java.net.URI.create(absoluteUri);
      String scheme = parsed.getScheme();
      if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
        // Not ours to read: Vert.x refuses it in applyTo, as it always did.
        return new Target(absoluteUri, null, -1, false, null);
      }
      boolean ssl = "https".equalsIgnoreCase(scheme);
      int port = parsed.getPort() != -1 ? parsed.getPort() : ssl ? 443 : 80;
      String path = parsed.getRawPath() == null || parsed.getRawPath().isEmpty() ? "/" : parsed.getRawPath();
      String uri = parsed.getRawQuery() == null ? path : path + "?" + parsed.getRawQuery();
      return new Target(absoluteUri, parsed.getHost(), port, ssl, uri);
    }

    RequestOptions applyTo(RequestOptions options) {
      if (host == null || host.startsWith("[")) {
        // IPv6 literals, other schemes, anything unusual: Vert.x's own URL reading, as before.
        return options.setAbsoluteURI(absoluteUri);
      }
      return options.setHost(host).setPort(port).setSsl(ssl).setURI(uri);
    }
  }

  /** Open GET streams to one backend at most: one connection each. */
  private static final int MAX_STREAMS = 100_000;

  private final Vertx vertx;
  private final HttpBackendConfig config;
  private final ClientCredentialsTokens tokens;
  private final int eventLoops;
  private final java.util.concurrent.ConcurrentHashMap<Thread, HttpClientAgent> poolsByLoop = new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicInteger assigned = new java.util.concurrent.atomic.AtomicInteger();
  private final List<HttpClientAgent> loopPools = new ArrayList<>();
  private HttpClientAgent client;
  private HttpClientAgent streams;
  private volatile Target lastTarget;

  /** @param eventLoops how many event loops serve clients: {@code maxConnections} is shared out between them */
  UpstreamHttpClient(Vertx vertx, String backend, HttpBackendConfig config, int eventLoops) {
    this.vertx = vertx;
    this.config = config;
    this.eventLoops = Math.max(1, eventLoops);
    this.tokens = config.oauth() == null ? null : new ClientCredentialsTokens(vertx, backend, config.oauth());
  }

  void start() {
    HttpClientOptions options = new HttpClientOptions()
        .setKeepAlive(true)
        .setConnectTimeout((int) config.connectTimeout().toMillis())
        .setSsl(config.url().startsWith("https:"));
    // For callers off the event loops (start-up, workers): the whole allowance.
    client = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(config.maxConnections()));
    // A GET stream holds its connection for as long as the client listens: from the request pool,
    // a few dozen idle streams would make every call to the backend wait. Streams get their own.
    streams = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(MAX_STREAMS));
    // Made here, not on the loops that will use them: a client made inside a server verticle
    // would be closed with it, before the sessions' last requests (DELETE) at shutdown.
    PoolOptions perLoop = new PoolOptions().setHttp1MaxSize(Math.max(1, (config.maxConnections() + eventLoops - 1) / eventLoops));
    for (int i = 0; i < eventLoops; i++) {
      loopPools.add(vertx.createHttpClient(options, perLoop));
    }
  }

  Future<Void> stop() {
    Future<Void> tokensClosed = tokens == null ? Future.succeededFuture() : tokens.close();
    List<Future<Void>> pools = new ArrayList<>();
    loopPools.forEach(pool -> pools.add(pool.close()));
    return tokensClosed.compose(v -> Future.join(pools))
        .compose(v -> client == null ? Future.succeededFuture() : client.close())
        .compose(v -> streams == null ? Future.succeededFuture() : streams.close());
  }

  /**
   * The calling event loop's pool (the first {@code eventLoops} loops to call get one each), or
   * the shared one for other threads.
   */
  private HttpClientAgent callPool() {
    Context context = Vertx.currentContext();
    if (context == null || !context.isEventLoopContext()) {
      return client;
    }
    // Only a loop's own thread adds its entry, so looking up and then adding cannot race.
    HttpClientAgent mine = poolsByLoop.get(Thread.currentThread());
    if (mine == null) {
      int next = assigned.getAndIncrement();
      mine = next < loopPools.size() ? loopPools.get(next) : client;
      poolsByLoop.put(Thread.currentThread(), mine);
    }
    return mine;
  }

  private Target target(String absoluteUri) {
    Target last = lastTarget;
    if (last != null && last.absoluteUri().equals(absoluteUri)) {
      return last;
    }
    Target parsed = Target.of(absoluteUri);
    lastTarget = parsed;
    return parsed;
  }

  /** Sends one request; the future completes when the response's headers have arrived. */
  Future<HttpClientResponse> send(HttpMethod method, String absoluteUri, MultiMap givenHeaders, Buffer body, long idleTimeoutMillis) {
    TraceContext trace = TraceContext.current();
    String traceparent = trace == null ? null : trace.traceparent();
    if (tokens == null) {
      return sendWith(null, method, absoluteUri, givenHeaders, traceparent, body, idleTimeoutMillis);
    }
    return tokens.current().compose(token -> sendWith(token, method, absoluteUri, givenHeaders, traceparent, body, idleTimeoutMillis)
        .compose(response -> {
          if (response.statusCode() != 401) {
            return Future.succeededFuture(response);
          }
          tokens.rejected(token);
          return response.body().otherwiseEmpty().compose(ignored -> tokens.current())
              .compose(fresh -> sendWith(fresh, method, absoluteUri, givenHeaders, traceparent, body, idleTimeoutMillis));
        }));
  }

  private Future<HttpClientResponse> sendWith(String token, HttpMethod method, String absoluteUri, MultiMap headers,
      String traceparent, Buffer body, long idleTimeoutMillis) {
    RequestOptions options = target(absoluteUri).applyTo(new RequestOptions().setMethod(method).setIdleTimeout(idleTimeoutMillis));
    options.putHeader(HttpHeaders.USER_AGENT, "Portcullis");
    config.headers().forEach(options::putHeader);
    if (token != null) {
      options.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token);
    }
    if (headers != null) {
      options.getHeaders().addAll(headers);
    }
    if (traceparent != null) {
      options.getHeaders().set("traceparent", traceparent);
    }
    return (method == HttpMethod.GET ? streams : callPool()).request(options).compose(request -> {
      if (body == null) {
        return request.send();
      }
      request.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
      return request.send(body);
    });
  }
}
