package io.portcullis.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.portcullis.auth.Principal;
import io.portcullis.mcp.JsonRpcCodec;
import io.portcullis.mcp.JsonRpcMessage;
import io.portcullis.mcp.JsonRpcNotification;
import io.portcullis.mcp.JsonRpcRequest;
import io.portcullis.mcp.JsonRpcResponse;
import io.portcullis.routing.Outbound;
import io.portcullis.routing.Reply;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.streams.ReadStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's server runs in Vert.x strict thread mode, where a write to a connection from any
 * thread but its event loop throws and leaves the client waiting. A client reply answered from a
 * plain thread (a path that forgot to come home) must still reach the client, in order. A real
 * strict-mode server on loopback hands each request to the reply under test; the answering
 * happens on a thread of the test's own.
 */
class ForeignThreadRepliesTest {
  static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  Vertx vertx = Vertx.vertx();

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  /** Serves every request with {@code onRequest} on a strict-mode server; returns its URL. */
  URI serve(Consumer<HttpServerRequest> onRequest) {
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0).setStrictThreadMode(true))
        .requestHandler(onRequest::accept);
    int port = server.listen().await().actualPort();
    return URI.create("http://127.0.0.1:" + port + "/mcp");
  }

  static void elsewhere(Runnable work) {
    Thread thread = new Thread(work, "not-an-event-loop");
    thread.start();
  }

  static HttpResponse<String> post(URI url) throws Exception {
    // The whole answer, body included, within the time limit: a stalled stream must fail the test, not hang it.
    return CLIENT.sendAsync(HttpRequest.newBuilder(url).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
        HttpResponse.BodyHandlers.ofString()).get(5, TimeUnit.SECONDS);
  }

  static JsonRpcResponse result(int id, String text) {
    return JsonRpcResponse.success(IntNode.valueOf(id), JsonRpcCodec.object().put("text", text));
  }

  static GatewaySession session() {
    return new GatewaySession("s", new Principal("alice", "test", null, null, null, null, null, null), "127.0.0.1", "test");
  }

  @Test
  void anAnswerGivenOnAnotherThreadReachesTheClient() throws Exception {
    URI url = serve(request -> {
      ClientReply reply = new HttpReply(request.response(), false);
      elsewhere(() -> reply.answer(result(1, "from afar"), Map.of("X-Test", "yes")));
    });

    HttpResponse<String> response = post(url);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("X-Test")).hasValue("yes");
    assertThat(response.body()).contains("from afar");
  }

  @Test
  void aFailureReportedOnAnotherThreadReachesTheClient() throws Exception {
    URI url = serve(request -> {
      ClientReply reply = new HttpReply(request.response(), false);
      elsewhere(() -> reply.fail(new IllegalStateException("boom")));
    });

    HttpResponse<String> response = post(url);

    assertThat(response.statusCode()).isEqualTo(500);
  }

  @Test
  void aStreamWhoseMessagesArriveOnAnotherThreadIsRelayedInOrder() throws Exception {
    URI url = serve(request -> {
      ClientReply reply = new HttpReply(request.response(), false);
      List<Outbound> messages = List.of(
          new Outbound("1", new JsonRpcNotification("notifications/progress", JsonRpcCodec.object().put("progress", 1))),
          new Outbound("2", new JsonRpcNotification("notifications/progress", JsonRpcCodec.object().put("progress", 2))),
          new Outbound("3", result(7, "last")));
      // Relayed from the event loop; only the messages come from elsewhere.
      reply.relay(new Reply(Reply.Mode.SSE, new ForeignStream(messages), () -> { }), session());
    });

    HttpResponse<String> response = post(url);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
    String body = response.body();
    assertThat(body.indexOf("\"progress\":1")).isPositive().isLessThan(body.indexOf("\"progress\":2"));
    assertThat(body.indexOf("\"progress\":2")).isLessThan(body.indexOf("last"));
  }

  @Test
  void aBatchAnsweredOnAnotherThreadEndsWithEveryAnswer() throws Exception {
    URI url = serve(request -> {
      ClientReply reply = new HttpReply(request.response(), false);
      List<JsonRpcMessage> batch = List.of(new JsonRpcRequest(IntNode.valueOf(1), "ping", null),
          new JsonRpcRequest(TextNode.valueOf("two"), "ping", null));
      elsewhere(() -> {
        List<ClientReply> slots = reply.split(batch);
        slots.get(0).answer(result(1, "first"), Map.of());
        slots.get(1).relay(new Reply(Reply.Mode.SSE, new ForeignStream(List.of(new Outbound(null, result(2, "second")))), () -> { }),
            session());
      });
    });

    HttpResponse<String> response = post(url);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("first").contains("second");
  }

  @Test
  void aBatchElementWhoseStreamFailsIsAnsweredOnceAndItsRelayEnds() throws Exception {
    CompletableFuture<Boolean> relaySucceeded = new CompletableFuture<>();
    URI url = serve(request -> {
      ClientReply reply = new HttpReply(request.response(), false);
      List<ClientReply> slots = reply.split(List.of(new JsonRpcRequest(IntNode.valueOf(5), "tools/call", null),
          new JsonRpcRequest(IntNode.valueOf(6), "ping", null)));
      slots.get(1).answer(result(6, "pong"), Map.of());
      slots.get(0).relay(new Reply(Reply.Mode.SSE, new ForeignStream(List.of(), new IllegalStateException("stream broke")), () -> { }),
          session()).onComplete(r -> {
            relaySucceeded.complete(r.succeeded());
            // What the pipeline would do with a failed relay; an element already answered ignores it.
            slots.get(0).fail(new IllegalStateException("reported again"));
          });
    });

    HttpResponse<String> response = post(url);

    assertThat(relaySucceeded.get(5, TimeUnit.SECONDS)).as("the relay ends once the failure is written").isTrue();
    assertThat(response.body().split("\"id\":5", -1)).as("one answer for id 5: %s", response.body()).hasSize(2);
    assertThat(response.body()).contains("pong");
  }

  @Test
  void relayingToAResponseAlreadyAnsweredEndsTheRelay() throws Exception {
    CompletableFuture<Boolean> relaySucceeded = new CompletableFuture<>();
    URI url = serve(request -> {
      ClientReply reply = new HttpReply(request.response(), false);
      request.response().end("answered");
      elsewhere(() -> reply.relay(new Reply(Reply.Mode.SSE, new ForeignStream(List.of(new Outbound(null, result(1, "late")))), () -> { }),
          session()).onComplete(r -> relaySucceeded.complete(r.succeeded())));
    });

    assertThat(post(url).body()).isEqualTo("answered");
    assertThat(relaySucceeded.get(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aHoppedWriteThatThrowsFailsItsFuture() throws Exception {
    CompletableFuture<ConnectionThread> made = new CompletableFuture<>();
    vertx.runOnContext(v -> made.complete(ConnectionThread.current()));
    ConnectionThread loop = made.get(5, TimeUnit.SECONDS);

    io.vertx.core.Future<Void> call = loop.call(() -> {
      throw new IllegalStateException("thrown on the loop");
    });

    assertThatThrownBy(() -> call.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("thrown on the loop");
  }

  @Test
  void writingFromAnotherThreadIsRefusedByAStrictServer() throws Exception {
    // What the replies above guard against: without the hop home, the write throws and nothing is sent.
    var thrown = new CompletableFuture<Throwable>();
    URI url = serve(request -> {
      var connection = Vertx.currentContext();
      elsewhere(() -> {
        try {
          request.response().end("written from afar");
          thrown.complete(null);
        } catch (IllegalStateException e) {
          thrown.complete(e);
          connection.runOnContext(v -> request.response().setStatusCode(500).end());
        }
      });
    });

    post(url);

    assertThat(thrown.get()).isInstanceOf(IllegalStateException.class);
  }

  /**
   * A reply stream whose producer runs on a plain thread and emits from it once given all its
   * handlers: its items, then its end, or its failure if it has one.
   */
  static final class ForeignStream implements ReadStream<Outbound> {
    private final List<Outbound> items;
    private final Throwable failure;
    private Handler<Outbound> handler;
    private Handler<Void> endHandler;
    private Handler<Throwable> exceptionHandler;

    ForeignStream(List<Outbound> items) {
      this(items, null);
    }

    ForeignStream(List<Outbound> items, Throwable failure) {
      this.items = items;
      this.failure = failure;
    }

    @Override
    public synchronized ReadStream<Outbound> handler(Handler<Outbound> handler) {
      this.handler = handler;
      startWhenReady();
      return this;
    }

    @Override
    public synchronized ReadStream<Outbound> endHandler(Handler<Void> endHandler) {
      this.endHandler = endHandler;
      startWhenReady();
      return this;
    }

    @Override
    public synchronized ReadStream<Outbound> exceptionHandler(Handler<Throwable> handler) {
      this.exceptionHandler = handler;
      startWhenReady();
      return this;
    }

    private void startWhenReady() {
      if (handler != null && endHandler != null && exceptionHandler != null) {
        Handler<Outbound> onItem = handler;
        Handler<Void> onEnd = endHandler;
        Handler<Throwable> onFailure = exceptionHandler;
        elsewhere(() -> {
          items.forEach(onItem::handle);
          if (failure == null) {
            onEnd.handle(null);
          } else {
            onFailure.handle(failure);
          }
        });
      }
    }

    @Override
    public ReadStream<Outbound> pause() {
      return this;
    }

    @Override
    public ReadStream<Outbound> resume() {
      return this;
    }

    @Override
    public ReadStream<Outbound> fetch(long amount) {
      return this;
    }
  }
}
