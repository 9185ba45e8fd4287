package io.portcullis.transport;

import io.portcullis.mcp.JsonRpcCodec;
import io.portcullis.mcp.JsonRpcMessage;
import io.portcullis.mcp.JsonRpcRequest;
import io.portcullis.mcp.McpHeaders;
import io.portcullis.mcp.SseEvent;
import io.portcullis.pipeline.ErrorResponder;
import io.portcullis.pipeline.GatewayException;
import io.portcullis.routing.Outbound;
import io.portcullis.routing.Reply;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The one HTTP response to a JSON-RPC batch (protocol 2025-03-26). A batch of notifications and
 * responses only is answered 202 once all were accepted (or with the first failure). A batch with
 * requests is answered as one SSE stream carrying every request's messages as they come, each
 * failure as an error event for its request; it ends when every element is done. Every element's
 * answer, whatever thread it comes on, is handled on the request's event loop.
 */
final class BatchResponse {
  private final HttpServerResponse response;
  private final ConnectionThread thread;
  private final List<JsonRpcMessage> batch;
  private final boolean hasRequests;
  private final List<ReadStream<Outbound>> paused = new ArrayList<>();
  private int pending;
  private GatewayException firstFailure;

  BatchResponse(HttpServerResponse response, ConnectionThread thread, List<JsonRpcMessage> batch) {
    this.response = response;
    this.thread = thread;
    this.batch = batch;
    this.pending = batch.size();
    this.hasRequests = batch.stream().anyMatch(m -> m instanceof JsonRpcRequest);
    if (hasRequests) {
      thread.run(this::startStream);
    }
  }

  private void startStream() {
    response.setChunked(true)
        .putHeader(HttpHeaders.CONTENT_TYPE, McpHeaders.TEXT_EVENT_STREAM)
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache, no-transform");
    response.writeHead();
    response.drainHandler(v -> {
      List<ReadStream<Outbound>> resume = List.copyOf(paused);
      paused.clear();
      resume.forEach(ReadStream::resume);
    });
    // A client that goes away cancels nothing (the spec's rule): every reply still coming runs
    // to its end unwritten, its answer recorded on the way; paused ones are let go.
    response.closeHandler(v -> {
      List<ReadStream<Outbound>> stuck = List.copyOf(paused);
      paused.clear();
      stuck.forEach(ReadStream::resume);
    });
  }

  List<ClientReply> slots() {
    return batch.stream().<ClientReply>map(Slot::new).toList();
  }

  private void write(JsonRpcMessage message) {
    if (!response.closed() && !response.ended()) {
      response.write(new SseEvent(null, "message", JsonRpcCodec.encodeToString(message)).encode());
    }
  }

  private void elementDone() {
    if (--pending > 0) {
      return;
    }
    if (hasRequests) {
      if (!response.ended() && !response.closed()) {
        response.end();
      }
    } else if (firstFailure != null) {
      ErrorResponder.send(response, firstFailure);
    } else {
      response.setStatusCode(202).end();
    }
  }

  /** One element's share of the response. */
  private final class Slot implements ClientReply {
    private final JsonRpcMessage element;
    private boolean done;

    Slot(JsonRpcMessage element) {
      this.element = element;
    }

    @Override
    public void accepted() {
      thread.run(this::finish);
    }

    @Override
    public void sessionEnded() {
      thread.run(this::finish);
    }

    @Override
    public void answer(JsonRpcMessage message, Map<String, String> headers) {
      thread.run(() -> {
        if (!done) {
          write(message);
          finish();
        }
      });
    }

    @Override
    public Future<Void> relay(Reply reply, GatewaySession session) {
      return thread.call(() -> relayOnLoop(reply, session));
    }

    private Future<Void> relayOnLoop(Reply reply, GatewaySession session) {
      Promise<Void> relayed = Promise.promise();
      ReadStream<Outbound> messages = reply.messages();
      session.streamOpened();
      messages.handler(thread.bind(out -> {
        if (out.message() != null) {
          write(out.message());
        }
        if (response.writeQueueFull() && !response.closed()) {
          messages.pause();
          paused.add(messages);
        }
      }));
      messages.endHandler(thread.bind(v -> relayed.tryComplete()));
      messages.exceptionHandler(thread.bind(relayed::tryFail));
      // A stream that failed is answered here, with its error event: like a lone reply's, the
      // relay then succeeds, so the pipeline does not report the failure a second time.
      return relayed.future().transform(r -> {
        session.streamClosed();
        if (r.failed()) {
          fail(r.cause());
        } else {
          finish();
        }
        return Future.<Void>succeededFuture();
      });
    }

    @Override
    public void fail(Throwable error) {
      GatewayException failure = ErrorResponder.normalise(error);
      thread.run(() -> {
        if (done) {
          return;
        }
        if (element instanceof JsonRpcRequest request) {
          write(ErrorResponder.asJsonRpc(failure, request.id()));
        } else if (firstFailure == null) {
          firstFailure = failure;
        }
        finish();
      });
    }

    @Override
    public List<ClientReply> split(List<JsonRpcMessage> nested) {
      throw new IllegalStateException("a batch element cannot be a batch");
    }

    private void finish() {
      if (!done) {
        done = true;
        elementDone();
      }
    }
  }
}
