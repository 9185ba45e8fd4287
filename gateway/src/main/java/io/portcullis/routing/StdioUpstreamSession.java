package io.portcullis.routing;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.mcp.JsonRpcCodec;
import io.portcullis.mcp.JsonRpcError;
import io.portcullis.mcp.JsonRpcErrorCodes;
import io.portcullis.mcp.JsonRpcNotification;
import io.portcullis.mcp.JsonRpcRequest;
import io.portcullis.mcp.JsonRpcResponse;
import io.portcullis.mcp.McpMethods;
import io.portcullis.mcp.ProtocolVersions;
import io.portcullis.pipeline.Failure;
import io.portcullis.pipeline.GatewayException;
import io.vertx.core.Future;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One gateway session's view of a shared stdio backend: its requests, its GET stream, its
 * resource subscriptions (counted with the other sessions' in {@link SharedSubscriptions}) and
 * the relayed requests it may answer. State the backend touches is only touched on the backend's
 * context.
 */
final class StdioUpstreamSession implements UpstreamSession {
  private final StdioBackend backend;
  private final JsonNode initializeResult;
  private final JsonNode clientCapabilities;
  private final Set<JsonNode> expectedAnswers = ConcurrentHashMap.newKeySet();
  private final SilenceTimers silence;
  private volatile MessageQueue<Outbound> listener;

  StdioUpstreamSession(StdioBackend backend, JsonNode initializeResult, JsonNode clientCapabilities) {
    this.backend = backend;
    this.initializeResult = initializeResult;
    this.clientCapabilities = clientCapabilities == null ? io.portcullis.mcp.JsonRpcCodec.object() : clientCapabilities;
    this.silence = new SilenceTimers(backend.vertx(), backend.name(), backend.inFlight(), backend.requestTimeoutMillis(), backend::write);
  }

  /** Whether the client declared the capability a backend request needs (sampling, elicitation, roots). */
  boolean clientSupports(String method) {
    String capability = method.startsWith("sampling/") ? "sampling"
        : method.startsWith("elicitation/") ? "elicitation"
        : method.startsWith("roots/") ? "roots" : null;
    return capability == null || clientCapabilities.has(capability);
  }

  @Override
  public JsonNode initializeResult() {
    return initializeResult;
  }

  @Override
  public String protocolVersion() {
    return initializeResult.path("protocolVersion").asText(ProtocolVersions.LATEST);
  }

  @Override
  public String versionFor(String requested) {
    return ProtocolVersions.negotiate(requested);
  }

  @Override
  public Future<Reply> request(JsonRpcRequest request) {
    String uri = request.params() == null ? null : request.params().path("uri").asText(null);
    boolean subscribe = McpMethods.RESOURCES_SUBSCRIBE.equals(request.method());
    if (uri == null || !(subscribe || McpMethods.RESOURCES_UNSUBSCRIBE.equals(request.method()))) {
      return send(request);
    }
    SharedSubscriptions<StdioUpstreamSession> subscriptions = backend.subscriptions();
    return backend.onContext(() -> Future.succeededFuture(
            subscribe ? subscriptions.subscribe(this, uri) : subscriptions.unsubscribe(this, uri)))
        .compose(step -> switch (step) {
          case ANSWER -> answer(JsonRpcResponse.success(request.id(), JsonRpcCodec.object()));
          case REFUSE -> answer(JsonRpcResponse.failure(request.id(), JsonRpcError.of(JsonRpcErrorCodes.TOO_MANY_SUBSCRIPTIONS,
              "Too many subscriptions: this session holds " + subscriptions.maxPerSession() + " on backend '" + backend.name()
                  + "', the most it may; unsubscribe from one first")));
          case FORWARD -> subscribe ? subscribeOnProcess(request, uri) : send(request);
        });
  }

  /** A reply the gateway gives itself, without the process. */
  private Future<Reply> answer(JsonRpcResponse response) {
    return Future.succeededFuture(Replies.of(backend.vertx(), response));
  }

  /** A subscribe sent to the process: it counts for this session once the process accepted it. */
  private Future<Reply> subscribeOnProcess(JsonRpcRequest request, String uri) {
    SharedSubscriptions<StdioUpstreamSession> subscriptions = backend.subscriptions();
    return send(request)
        .onFailure(e -> backend.onContext(() -> {
          subscriptions.subscribeAnswered(this, uri, false);
          return Future.succeededFuture();
        }))
        .map(reply -> Replies.rewritingResponse(backend.vertx(), reply, response -> backend.onContext(() -> {
          subscriptions.subscribeAnswered(this, uri, !response.isError());
          return Future.succeededFuture(response);
        })));
  }

  private Future<Reply> send(JsonRpcRequest request) {
    MessageQueue<Outbound> replies = MessageQueue.onCurrentContext(backend.vertx());
    return backend.whenReady().compose(ready -> backend.onContext(() -> {
      InFlightRequests inFlight = backend.inFlight();
      long upstreamId = inFlight.nextUpstreamId();
      inFlight.add(new InFlightRequests.Entry(upstreamId, this, request.id(), IdTranslator.progressToken(request), replies,
          null, resultOfTask(request)));
      silence.arm(upstreamId);
      return backend.write(backend.ids().requestToUpstream(request, upstreamId))
          .onFailure(e -> {
            inFlight.remove(upstreamId);
            requestEnded(upstreamId);
          })
          .map(v -> new Reply(Reply.Mode.ADAPTIVE, replies, () -> abandoned(upstreamId)));
    })).recover(e -> Future.failedFuture(UpstreamFailures.of(backend.name(), e).withRequestId(request.id())));
  }

  /** The task a tasks/result waits for (a request the gateway forwards only for the task's creator), or null. */
  private static String resultOfTask(JsonRpcRequest request) {
    JsonNode taskId = request.params() == null ? null : request.params().get("taskId");
    return "tasks/result".equals(request.method()) && taskId != null && taskId.isTextual() ? taskId.asText() : null;
  }

  /** The gateway gave the answer up (a list that took too long): stop waiting for it, and tell the process. */
  private void abandoned(long upstreamId) {
    backend.onContext(() -> {
      InFlightRequests.Entry entry = backend.inFlight().remove(upstreamId);
      if (entry != null) {
        requestEnded(upstreamId);
        var params = io.portcullis.mcp.JsonRpcCodec.object().put("requestId", upstreamId).put("reason", "the gateway gave up waiting");
        return backend.write(new JsonRpcNotification(McpMethods.CANCELLED, params));
      }
      return Future.succeededFuture();
    });
  }

  void requestProgressed(long upstreamId) {
    silence.heard(upstreamId);
  }

  void requestEnded(long upstreamId) {
    silence.end(upstreamId);
  }

  void expectAnswer(JsonNode clientFacingId) {
    expectedAnswers.add(clientFacingId);
  }

  /** Delivers a notification on this session's GET stream, if one is open. */
  void push(JsonRpcNotification notification) {
    MessageQueue<Outbound> current = listener;
    if (current != null) {
      current.offer(new Outbound(null, notification));
    }
  }

  @Override
  public Future<Void> notify(JsonRpcNotification notification) {
    if (McpMethods.INITIALIZED.equals(notification.method())) {
      return Future.succeededFuture();
    }
    return backend.onContext(() -> {
      JsonRpcNotification upstream = McpMethods.CANCELLED.equals(notification.method())
          ? backend.ids().cancelToUpstream(notification, this) : notification;
      return upstream == null ? Future.succeededFuture() : backend.write(upstream);
    });
  }

  @Override
  public Future<Void> respond(JsonRpcResponse response) {
    if (!expectedAnswers.remove(response.id())) {
      return Future.failedFuture(new GatewayException(Failure.INVALID_REQUEST,
          "Invalid Request: no request with id " + response.id() + " is waiting for an answer"));
    }
    JsonRpcResponse upstream = backend.ids().responseToUpstream(response);
    return backend.onContext(() -> backend.write(upstream));
  }

  @Override
  public Future<Reply> listen(String lastEventId) {
    MessageQueue<Outbound> stream = MessageQueue.onCurrentContext(backend.vertx());
    synchronized (this) {
      if (listener != null) {
        return Future.failedFuture(new GatewayException(Failure.STREAM_CONFLICT,
            "Conflict: only one server-to-client stream is allowed per session"));
      }
      listener = stream;
    }
    return Future.succeededFuture(new Reply(Reply.Mode.SSE, stream, () -> {
      synchronized (this) {
        if (listener == stream) {
          listener = null;
        }
      }
    }));
  }

  @Override
  public Future<Void> close() {
    backend.forget(this);
    MessageQueue<Outbound> current = listener;
    listener = null;
    if (current != null) {
      current.end();
    }
    return backend.onContext(() -> {
      for (String uri : backend.subscriptions().forget(this)) {
        backend.sendOwn(McpMethods.RESOURCES_UNSUBSCRIBE, uri);
      }
      for (InFlightRequests.Entry entry : backend.inFlight().drainOwner(this)) {
        requestEnded(entry.upstreamId());
        entry.replies().end();
        var params = io.portcullis.mcp.JsonRpcCodec.object().put("requestId", entry.upstreamId()).put("reason", "session ended");
        backend.write(new JsonRpcNotification(McpMethods.CANCELLED, params));
      }
      return Future.succeededFuture();
    });
  }
}
