package io.portcullis.bench.load;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.transport.Transport;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The load harness's "Vert.x relay" target: the least a proxy on Portcullis's own stack does
 * (Vert.x 5 on epoll, one server and one backend connection pool per event loop, as the gateway
 * has), with none of the gateway's work: no parsing, no authentication, policy, session or audit.
 * It copies each request's method, path, headers and body to the backend and the answer back,
 * streaming both bodies. What it adds over the backend is the floor for any gateway built on
 * this stack on this machine, as nginx's is the floor for a proxy hop.
 *
 * <p>Run as its own JVM: {@code java -cp benchmarks.jar io.portcullis.bench.load.VertxRelay
 * BACKEND_PORT}; prints {@code listening on PORT} once it serves on 127.0.0.1.
 */
public final class VertxRelay {
  /** Hop-by-hop headers (RFC 9110, 7.6.1) and the ones the client of each hop sets itself. */
  private static final Set<String> NOT_RELAYED = Set.of("connection", "keep-alive", "proxy-connection", "te", "trailer",
      "transfer-encoding", "upgrade", "host", "content-length");

  private VertxRelay() {
  }

  public static void main(String[] args) throws Exception {
    int backendPort = Integer.parseInt(args[0]);
    int eventLoops = 2;
    Vertx vertx = Vertx.builder().with(new io.vertx.core.VertxOptions().setEventLoopPoolSize(eventLoops))
        .withTransport(Transport.EPOLL.available() ? Transport.EPOLL : Transport.NIO).build();
    int port = Ports.free();
    vertx.deployVerticle(() -> new VerticleBase() {
      private HttpClient backend;

      @Override
      public Future<?> start() {
        // One pool per verticle, so per event loop: a connection never crosses loops.
        backend = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
            new PoolOptions().setHttp1MaxSize(64 / eventLoops));
        return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port).setIdleTimeout(0)
            .setTcpNoDelay(true)).requestHandler(request -> relay(request, backend, backendPort)).listen();
      }
    }, new DeploymentOptions().setInstances(eventLoops)).await(20, TimeUnit.SECONDS);
    System.out.println("listening on " + port);
    System.out.flush();
  }

  private static void relay(HttpServerRequest request, HttpClient backend, int backendPort) {
    request.pause();
    RequestOptions options = new RequestOptions().setMethod(request.method()).setHost("127.0.0.1").setPort(backendPort)
        .setURI(request.uri()).setHeaders(copy(request.headers()));
    backend.request(options).onComplete(opened -> {
      if (opened.failed()) {
        request.response().setStatusCode(502).end();
        return;
      }
      var upstream = opened.result();
      String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
      if (length != null) {
        upstream.putHeader(HttpHeaders.CONTENT_LENGTH, length);
      } else if (request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null) {
        upstream.setChunked(true);
      }
      upstream.response().onComplete(answered -> {
        if (answered.failed()) {
          request.response().setStatusCode(502).end();
          return;
        }
        var answer = answered.result();
        var response = request.response().setStatusCode(answer.statusCode());
        response.headers().addAll(copy(answer.headers()));
        String answerLength = answer.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (answerLength != null) {
          response.putHeader(HttpHeaders.CONTENT_LENGTH, answerLength);
        } else {
          response.setChunked(true);
        }
        answer.pipeTo(response);
      });
      request.pipeTo(upstream);
    });
  }

  private static MultiMap copy(MultiMap headers) {
    MultiMap copy = MultiMap.caseInsensitiveMultiMap();
    headers.forEach((name, value) -> {
      if (!NOT_RELAYED.contains(name.toLowerCase(java.util.Locale.ROOT))) {
        copy.add(name, value);
      }
    });
    return copy;
  }
}
