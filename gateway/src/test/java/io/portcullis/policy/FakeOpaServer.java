package io.portcullis.policy;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A stand-in for OPA on loopback that answers whatever a test sets (a status, a body, a delay),
 * and records what it was asked. For the failure modes a real OPA will not produce on demand.
 */
final class FakeOpaServer implements AutoCloseable {
  /** What the server was asked: method, path with query, and JSON body (null if none). */
  record Received(String method, String uri, JsonNode body) {
  }

  private final Vertx vertx;
  private final HttpServer server;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private volatile int status = 200;
  private volatile String body = "{}";
  private volatile long delayMillis;

  private FakeOpaServer(Vertx vertx) {
    this.vertx = vertx;
    this.server = vertx.createHttpServer().requestHandler(this::handle);
  }

  static FakeOpaServer start(Vertx vertx) throws Exception {
    FakeOpaServer fake = new FakeOpaServer(vertx);
    fake.server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return fake;
  }

  FakeOpaServer answer(int status, String body) {
    this.status = status;
    this.body = body;
    return this;
  }

  FakeOpaServer delay(long millis) {
    this.delayMillis = millis;
    return this;
  }

  String url() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  List<Received> received() {
    return received;
  }

  private void handle(HttpServerRequest request) {
    request.body().onSuccess(buffer -> {
      JsonNode json = null;
      if (buffer.length() > 0) {
        try {
          json = PolicyJson.MAPPER.readTree(buffer.getBytes());
        } catch (java.io.IOException e) {
          json = null;
        }
      }
      received.add(new Received(request.method().name(), request.uri(), json));
      int s = status;
      String b = body;
      Runnable respond = () -> request.response().setStatusCode(s).putHeader("content-type", "application/json").end(b);
      if (delayMillis > 0) {
        vertx.setTimer(delayMillis, t -> respond.run());
      } else {
        respond.run();
      }
    });
  }

  @Override
  public void close() throws TimeoutException {
    Future<Void> closed = server.close();
    closed.await(10, TimeUnit.SECONDS);
  }
}
