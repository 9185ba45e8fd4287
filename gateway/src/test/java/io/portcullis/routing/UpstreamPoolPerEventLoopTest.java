package io.portcullis.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.config.HttpBackendConfig;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Calls to an HTTP backend stay on the event loop that makes them: each loop borrows only
 * connections it opened itself. A shared pool lends an idle connection to whichever loop asks,
 * and a connection owned by another loop costs a thread hand-off each way per call (the load
 * harness counted about one cross-loop wake-up per call). Seen from the backend: calls
 * alternating between two loops, each finding the other's connection idle, still arrive on
 * exactly one connection per loop.
 */
@ExtendWith(VertxExtension.class)
class UpstreamPoolPerEventLoopTest {

  @Test
  void eachEventLoopCallsOverConnectionsOfItsOwn(Vertx vertx) throws Exception {
    Map<HttpConnection, AtomicInteger> callsPerConnection = new ConcurrentHashMap<>();
    HttpServer backend = vertx.createHttpServer()
        .requestHandler(request -> {
          callsPerConnection.computeIfAbsent(request.connection(), c -> new AtomicInteger()).incrementAndGet();
          request.response().end("{}");
        })
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    HttpBackendConfig config = new HttpBackendConfig("http://127.0.0.1:" + backend.actualPort() + "/mcp", null, null, null, null, 8, null);
    UpstreamHttpClient http = new UpstreamHttpClient(vertx, "b", config, 2);
    http.start();
    List<Context> loops = twoEventLoopContexts(vertx);

    for (int i = 0; i < 10; i++) {
      Context loop = loops.get(i % 2);
      Promise<Void> done = Promise.promise();
      loop.runOnContext(v -> http.send(HttpMethod.POST, config.url(), null, Buffer.buffer("{}"), 5_000)
          .compose(response -> response.body())
          .<Void>mapEmpty().onComplete(done));
      done.future().await(10, TimeUnit.SECONDS);
      Thread.sleep(50); // the connection is back in its pool, idle, when the other loop asks
    }

    assertThat(callsPerConnection).hasSize(2);
    assertThat(callsPerConnection.values()).extracting(AtomicInteger::get).containsOnly(5);
    http.stop().await(10, TimeUnit.SECONDS);
    backend.close().await(10, TimeUnit.SECONDS);
  }

  /** Contexts of two different event loops (two instances of a verticle are spread over the loops). */
  private static List<Context> twoEventLoopContexts(Vertx vertx) throws Exception {
    List<Context> contexts = new CopyOnWriteArrayList<>();
    vertx.deployVerticle(() -> new VerticleBase() {
      @Override
      public Future<?> start() {
        contexts.add(context);
        return Future.succeededFuture();
      }
    }, new DeploymentOptions().setInstances(2)).await(10, TimeUnit.SECONDS);
    assertThat(threadOf(contexts.get(0))).isNotEqualTo(threadOf(contexts.get(1)));
    return contexts;
  }

  private static String threadOf(Context context) throws Exception {
    Promise<String> name = Promise.promise();
    context.runOnContext(v -> name.complete(Thread.currentThread().getName()));
    return name.future().await(10, TimeUnit.SECONDS);
  }
}
