package io.portcullis.transport;

import io.portcullis.mcp.JsonRpcCodec;
import io.portcullis.mcp.JsonRpcResponse;
import io.portcullis.mcp.McpHeaders;
import io.portcullis.mcp.SseEvent;
import io.portcullis.pipeline.Failure;
import io.portcullis.pipeline.GatewayException;
import io.portcullis.routing.Outbound;
import io.portcullis.routing.Reply;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.streams.ReadStream;

/**
 * Relays a backend's reply to the client, as application/json or as text/event-stream. SSE events
 * are written as they arrive; when the client cannot keep up the reply is paused until the
 * connection drains, so back-pressure reaches the backend.
 *
 * <p>The answer stream of a POSTed request holds its headers back for up to
 * {@link #HEAD_DELAY_MILLIS} (or until its first event), and ends with its final response: a
 * quick answer leaves in one write (headers, event, end of stream) instead of three, and the
 * client wakes up once. A GET stream's headers are sent at once.
 */
public final class ReplyWriter {
  private final HttpServerResponse response;
  private final ConnectionThread thread;
  private final Reply reply;
  private final GatewaySession session;
  /** How long a request's answer stream may keep its headers back, waiting for its first event. */
  static final long HEAD_DELAY_MILLIS = 20;

  private final Promise<Void> done = Promise.promise();
  private final boolean answersRequest;
  private boolean streaming;
  private long headTimer = -1;
  private Vertx timers;

  private ReplyWriter(HttpServerResponse response, ConnectionThread thread, Reply reply, GatewaySession session,
      boolean answersRequest) {
    this.response = response;
    this.thread = thread;
    this.reply = reply;
    this.session = session;
    this.answersRequest = answersRequest;
  }

  /**
   * Writes the reply; called on the connection's thread, to which the reply's messages are handed
   * if they arrive on another. The future completes when the client's response has ended; if the
   * client went away, when a request's answer has come to its end unwritten, or at once for a GET
   * stream, which is then abandoned.
   */
  static Future<Void> write(HttpServerResponse response, ConnectionThread thread, Reply reply, GatewaySession session,
      boolean answersRequest) {
    return new ReplyWriter(response, thread, reply, session, answersRequest).start();
  }

  private Future<Void> start() {
    ReadStream<Outbound> messages = reply.messages();
    session.streamOpened();
    if (response.ended() || response.closed() && !answersRequest) {
      // The response was already answered, or the client closed its GET stream while it was being
      // opened (a close handler set now would never run): nothing of this reply can be written.
      reply.abandon().run();
      finish();
      return done.future();
    }
    if (!response.closed()) {
      response.closeHandler(v -> clientLeft());
      if (reply.mode() == Reply.Mode.SSE) {
        startStream();
      }
    }
    messages.handler(thread.bind(this::onMessage));
    messages.exceptionHandler(thread.bind(e -> {
      if (!streaming && !response.ended()) {
        io.portcullis.pipeline.ErrorResponder.send(response, e);
      } else if (!response.ended()) {
        response.end();
      }
      finish();
    }));
    messages.endHandler(thread.bind(v -> {
      if (!streaming && !response.ended()) {
        io.portcullis.pipeline.ErrorResponder.send(response,
            new GatewayException(Failure.BACKEND_UNAVAILABLE, "the backend answered nothing"));
      } else if (!response.ended()) {
        response.end();
      }
      finish();
    }));
    return done.future();
  }

  /**
   * The client went away. Its GET stream is given up; a request's answer is not, for the spec says
   * a disconnection is no cancellation: the request runs to its end at the backend, its answer is
   * recorded on its way here, and dropped, since nobody is left to write it to.
   */
  private void clientLeft() {
    if (response.ended()) {
      finish();
    } else if (answersRequest) {
      // Paused for a drain that will never come: let the rest run out unwritten.
      reply.messages().resume();
    } else {
      reply.abandon().run();
      finish();
    }
  }

  private void onMessage(Outbound out) {
    if (response.ended() || response.closed()) {
      return;
    }
    if (!streaming) {
      boolean single = reply.mode() == Reply.Mode.JSON || out.message() instanceof JsonRpcResponse;
      if (single) {
        response.putHeader(HttpHeaders.CONTENT_TYPE, McpHeaders.APPLICATION_JSON)
            .end(out.bytes());
        finish();
        return;
      }
      startStream();
    }
    String data = out.message() == null ? ""
        : out.encoded() != null ? out.encoded().toString() : JsonRpcCodec.encodeToString(out.message());
    String event = new SseEvent(out.eventId(), out.message() == null ? null : "message", data, out.retryMillis()).encode();
    if (answersRequest && out.message() instanceof JsonRpcResponse) {
      // The request's answer: nothing the client needs follows it on this stream.
      cancelHeadTimer();
      response.end(event);
      finish();
      return;
    }
    response.write(event);
    if (response.writeQueueFull()) {
      reply.messages().pause();
      response.drainHandler(v -> reply.messages().resume());
    }
  }

  private void startStream() {
    streaming = true;
    response.setChunked(true)
        .putHeader(HttpHeaders.CONTENT_TYPE, McpHeaders.TEXT_EVENT_STREAM)
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache, no-transform")
        .putHeader("X-Accel-Buffering", "no");
    Context context = Vertx.currentContext();
    if (!answersRequest || context == null) {
      response.writeHead();
      return;
    }
    // The headers go with the first event, or on their own if none comes soon.
    timers = context.owner();
    headTimer = timers.setTimer(HEAD_DELAY_MILLIS, id -> {
      headTimer = -1;
      if (!response.headWritten() && !response.ended() && !response.closed()) {
        response.writeHead();
      }
    });
  }

  private void cancelHeadTimer() {
    if (headTimer != -1) {
      timers.cancelTimer(headTimer);
      headTimer = -1;
    }
  }

  private void finish() {
    cancelHeadTimer();
    if (done.tryComplete()) {
      session.streamClosed();
    }
  }
}
