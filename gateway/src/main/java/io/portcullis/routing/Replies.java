package io.portcullis.routing;

import io.portcullis.mcp.JsonRpcResponse;
import io.portcullis.pipeline.Failure;
import io.portcullis.pipeline.GatewayException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.streams.ReadStream;
import java.util.function.Function;

/** Operations on a backend's reply: waiting for its response, or rewriting the response on its way. */
public final class Replies {
  private Replies() {
  }

  /** Completes with the reply's final response (messages before it are dropped). */
  public static Future<JsonRpcResponse> response(Reply reply) {
    Promise<JsonRpcResponse> answered = Promise.promise();
    reply.messages().handler(out -> {
      if (out.message() instanceof JsonRpcResponse response) {
        answered.tryComplete(response);
      }
    });
    reply.messages().exceptionHandler(answered::tryFail);
    reply.messages().endHandler(v -> answered.tryFail(new GatewayException(Failure.BACKEND_UNAVAILABLE, "the backend answered nothing")));
    return answered.future();
  }

  /**
   * The reply with its final response passed through {@code rewrite} (which may take time: the
   * stream waits, in order). A rewrite that fails ends the reply with the failure.
   */
  public static Reply rewritingResponse(Vertx vertx, Reply reply, Function<JsonRpcResponse, Future<JsonRpcResponse>> rewrite) {
    return rewritingFinal(vertx, reply, out -> rewrite.apply((JsonRpcResponse) out.message())
        .map(response -> new Outbound(out.eventId(), response, out.retryMillis())));
  }

  /** Like {@link #rewritingResponse}, for a rewrite that needs the whole outbound message (its event id, its bytes). */
  public static Reply rewritingFinal(Vertx vertx, Reply reply, Function<Outbound, Future<Outbound>> rewrite) {
    MessageQueue<Outbound> out = MessageQueue.onCurrentContext(vertx);
    ReadStream<Outbound> source = reply.messages();
    boolean[] rewriting = {false};
    boolean[] ended = {false};
    out.whenWritable(source::resume);
    source.handler(o -> {
      if (o.message() instanceof JsonRpcResponse) {
        rewriting[0] = true;
        source.pause();
        rewrite.apply(o).onComplete(r -> {
          rewriting[0] = false;
          if (r.succeeded()) {
            out.offer(r.result());
          } else {
            out.fail(r.cause());
          }
          if (ended[0]) {
            out.end();
          }
          source.resume();
        });
      } else if (!out.offer(o)) {
        source.pause();
      }
    });
    source.exceptionHandler(out::fail);
    source.endHandler(v -> {
      ended[0] = true;
      if (!rewriting[0]) {
        out.end();
      }
    });
    return new Reply(reply.mode(), out, reply.abandon());
  }

  /** A reply that is just {@code response}, as JSON. */
  public static Reply of(Vertx vertx, JsonRpcResponse response) {
    MessageQueue<Outbound> one = MessageQueue.onCurrentContext(vertx);
    one.offer(new Outbound(null, response));
    one.end();
    return new Reply(Reply.Mode.JSON, one, () -> { });
  }
}
