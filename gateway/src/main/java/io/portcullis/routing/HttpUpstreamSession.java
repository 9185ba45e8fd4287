package io.portcullis.routing;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.mcp.JsonRpcCodec;
import io.portcullis.mcp.JsonRpcMessage;
import io.portcullis.mcp.JsonRpcNotification;
import io.portcullis.mcp.JsonRpcRequest;
import io.portcullis.mcp.JsonRpcResponse;
import io.portcullis.mcp.MalformedMessageException;
import io.portcullis.mcp.McpHeaders;
import io.portcullis.mcp.McpMethods;
import io.portcullis.mcp.ProtocolVersions;
import io.portcullis.mcp.SseEvent;
import io.portcullis.mcp.SseParser;
import io.portcullis.pipeline.ErrorResponder;
import io.portcullis.pipeline.Failure;
import io.portcullis.pipeline.GatewayException;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One gateway session's session on a Streamable HTTP backend. */
final class HttpUpstreamSession implements UpstreamSession {
  private static final Logger LOG = LoggerFactory.getLogger(HttpUpstreamSession.class);

  private final HttpBackend backend;
  private final IdTranslator ids;
  private String sessionId;
  private String protocolVersion;
  private JsonNode initializeResult;

  private HttpUpstreamSession(HttpBackend backend) {
    this.backend = backend;
    this.ids = new IdTranslator(backend.name(), backend.inFlight());
  }

  static Future<UpstreamSession> open(HttpBackend backend, JsonRpcRequest initialize) {
    HttpUpstreamSession session = new HttpUpstreamSession(backend);
    return session.exchange(initialize, null).compose(reply -> session.awaitInitializeResult(reply))
        .onFailure(e -> session.close());
  }

  private Future<UpstreamSession> awaitInitializeResult(Reply reply) {
    Promise<UpstreamSession> opened = Promise.promise();
    reply.messages().handler(out -> {
      if (out.message() instanceof JsonRpcResponse response) {
        if (response.isError()) {
          opened.tryFail(GatewayException.upstreamError(response.error()));
        } else {
          initializeResult = response.result();
          protocolVersion = response.result().path("protocolVersion").asText(null);
          opened.tryComplete(this);
        }
      }
    });
    reply.messages().endHandler(v -> opened.tryFail(new GatewayException(Failure.BACKEND_REJECTED,
        "backend '" + backend.name() + "' did not answer initialize")));
    return opened.future();
  }

  @Override
  public JsonNode initializeResult() {
    return initializeResult;
  }

  @Override
  public String protocolVersion() {
    return protocolVersion;
  }

  @Override
  public String versionFor(String requested) {
    return ProtocolVersions.isSupported(protocolVersion) ? protocolVersion : ProtocolVersions.negotiate(requested);
  }

  @Override
  public Future<Reply> request(JsonRpcRequest request) {
    return exchange(request, sessionId);
  }

  /** Sends a request and turns the backend's answer, JSON or SSE, into a reply in client ids. */
  private Future<Reply> exchange(JsonRpcRequest request, String upstreamSessionId) {
    InFlightRequests inFlight = backend.inFlight();
    long upstreamId = inFlight.nextUpstreamId();
    MessageQueue<Outbound> replies = MessageQueue.onCurrentContext(backend.vertx());
    inFlight.add(new InFlightRequests.Entry(upstreamId, this, request.id(), IdTranslator.progressToken(request), replies,
        request.method()));
    Buffer body = JsonRpcCodec.encode(ids.requestToUpstream(request, upstreamId));
    long firstByte = backend.config().firstByteTimeout().toMillis();
    return backend.send(HttpMethod.POST, upstreamSessionId, protocolVersion, body, null, firstByte)
        .compose(response -> {
          if (request.isInitialize()) {
            sessionId = response.getHeader(McpHeaders.SESSION_ID);
          }
          return answer(response, request, upstreamId, replies);
        })
        .onFailure(e -> inFlight.remove(upstreamId))
        .recover(e -> Future.failedFuture(UpstreamFailures.of(backend.name(), e).withRequestId(request.id())));
  }

  private Future<Reply> answer(HttpClientResponse response, JsonRpcRequest request, long upstreamId,
      MessageQueue<Outbound> replies) {
    int status = response.statusCode();
    String contentType = response.getHeader(HttpHeaders.CONTENT_TYPE);
    if (status == 200 && isEventStream(contentType)) {
      relayStream(response, replies, request.id(), upstreamId);
      return Future.succeededFuture(new Reply(Reply.Mode.SSE, replies, () -> response.request().reset()));
    }
    if (status == 200 && contentType != null && contentType.startsWith(McpHeaders.APPLICATION_JSON)) {
      return response.body().compose(bytes -> {
        backend.inFlight().remove(upstreamId);
        JsonRpcMessage message = parse(bytes);
        JsonRpcMessage forClient = message instanceof JsonRpcResponse r && r.id().canConvertToLong()
            && r.id().asLong() == upstreamId ? r.withId(request.id()) : null;
        if (forClient == null) {
          return Future.failedFuture(new GatewayException(Failure.BACKEND_REJECTED,
              "backend '" + backend.name() + "' answered with something other than the response"));
        }
        replies.offer(new Outbound(null, forClient));
        replies.end();
        return Future.succeededFuture(new Reply(Reply.Mode.JSON, replies, () -> { }));
      });
    }
    backend.inFlight().remove(upstreamId);
    return response.body().otherwiseEmpty().transform(body -> Future.failedFuture(rejected(status, body.result())));
  }

  private GatewayException rejected(int status) {
    return rejected(status, null);
  }

  /**
   * Why a backend refused a request. A 404 to a request carrying the backend's session id means
   * the backend forgot the session (it restarted), as the specification says; servers in the wild
   * (server-everything among them) answer 400 and say so in the body, so that counts too.
   */
  private GatewayException rejected(int status, Buffer body) {
    boolean saysSession = body != null && body.length() < 4096 && body.toString().toLowerCase(java.util.Locale.ROOT).contains("session");
    if (sessionId != null && (status == 404 || status == 400 && saysSession)) {
      return new GatewayException(Failure.UPSTREAM_SESSION_LOST, "backend '" + backend.name() + "' no longer knows this session");
    }
    return new GatewayException(Failure.BACKEND_REJECTED, "backend '" + backend.name() + "' answered HTTP " + status);
  }

  /**
   * Relays an SSE stream event by event, pausing the backend while the client is behind. A
   * response to any in-flight request of this backend is mapped back and retires that request,
   * so an answer that arrives on a resumed GET stream finds its way too.
   */
  private void relayStream(HttpClientResponse response, MessageQueue<Outbound> replies, JsonNode clientId, long upstreamId) {
    boolean[] resumable = {false};
    boolean[] ended = {false};
    StreamSilence[] silence = new StreamSilence[1];
    java.util.function.Consumer<Throwable> end = error -> {
      if (!ended[0]) {
        ended[0] = true;
        silence[0].stop();
        finish(replies, resumable[0], clientId, upstreamId, error);
      }
    };
    long limit = backend.config().streamIdleTimeout().toMillis();
    silence[0] = StreamSilence.start(backend.vertx(), limit, () -> {
      end.accept(new java.util.concurrent.TimeoutException("backend '" + backend.name() + "' sent nothing for " + limit + " ms"));
      response.request().reset();
    });
    SseParser parser = new SseParser(event -> {
      resumable[0] |= event.id() != null;
      for (Outbound out : translateEvent(event, upstreamId)) {
        if (!replies.offer(out)) {
          response.pause();
        }
      }
    });
    replies.whenWritable(response::resume);
    response.handler(chunk -> {
      silence[0].heard();
      parser.feed(chunk);
    });
    response.endHandler(v -> end.accept(null));
    response.exceptionHandler(end::accept);
  }

  /**
   * Ends a relayed stream. If it was the answer stream of a request that got no response, the
   * client gets an error response, unless the backend's events carried ids: then the stream is
   * resumable, the backend closed it on purpose, and the answer comes on a resumed GET stream.
   */
  private void finish(MessageQueue<Outbound> replies, boolean resumable, JsonNode clientId, long upstreamId, Throwable error) {
    boolean unanswered = upstreamId >= 0 && backend.inFlight().get(upstreamId) != null;
    if (unanswered && !resumable) {
      backend.inFlight().remove(upstreamId);
      GatewayException failure = error == null
          ? new GatewayException(Failure.BACKEND_UNAVAILABLE, "backend '" + backend.name() + "' ended the stream without answering")
          : UpstreamFailures.of(backend.name(), error);
      replies.offer(new Outbound(null, ErrorResponder.asJsonRpc(failure, clientId)));
    } else if (unanswered) {
      // The backend may answer on a resumed GET stream; if nothing claims the answer in time, forget it.
      backend.vertx().setTimer(backend.config().streamIdleTimeout().toMillis(), t -> backend.inFlight().remove(upstreamId));
    } else if (error != null) {
      LOG.debug("stream from backend '{}' ended: {}", backend.name(), error.toString());
    }
    replies.end();
  }

  /**
   * A backend event as the client sees it: its message, or each of a batch's (a 2025-03-26
   * backend may send one), the event's id and retry going with the last, since a client resuming
   * from that id has had them all; none to drop it.
   */
  private List<Outbound> translateEvent(SseEvent event, long ownUpstreamId) {
    String data = event.data();
    if (data.isBlank()) {
      return event.id() == null && event.retryMillis() == null ? List.of() : List.of(new Outbound(event.id(), null, event.retryMillis()));
    }
    List<JsonRpcMessage> messages = JsonRpcCodec.parseEach(data, e -> LOG.warn("backend '{}' sent an event that is not a JSON-RPC message: {}",
            backend.name(), e.getMessage())).stream()
        .map(m -> translate(m, ownUpstreamId)).filter(java.util.Objects::nonNull).toList();
    List<Outbound> outs = new ArrayList<>(messages.size());
    for (int i = 0; i < messages.size(); i++) {
      boolean last = i == messages.size() - 1;
      outs.add(new Outbound(last ? event.id() : null, messages.get(i), last ? event.retryMillis() : null));
    }
    return outs;
  }

  /**
   * A backend message as the client sees it, or null to drop it. Only this session's requests are
   * answered here; a list's answer that arrives outside its own request's stream (replayed on a
   * resumed GET, say) is refused rather than relayed unfiltered by policy.
   */
  private JsonRpcMessage translate(JsonRpcMessage upstream, long ownUpstreamId) {
    InFlightRequests.Entry owner = ids.owningRequest(upstream);
    if (owner != null && owner.owner() != this) {
      LOG.warn("backend '{}' sent another session's message on this session's stream; dropped", backend.name());
      return null;
    }
    JsonRpcMessage message = ids.toClient(upstream);
    if (upstream instanceof JsonRpcResponse r && r.id().canConvertToLong()) {
      backend.inFlight().remove(r.id().asLong());
      if (owner != null && owner.isList() && r.id().asLong() != ownUpstreamId) {
        message = JsonRpcResponse.failure(owner.clientId(), io.portcullis.mcp.JsonRpcError.of(
            io.portcullis.mcp.JsonRpcErrorCodes.INTERNAL_ERROR, "the list's answer arrived outside its request's stream; ask again"));
      }
    }
    return message;
  }

  private JsonRpcMessage parse(Buffer bytes) {
    try {
      return JsonRpcCodec.parse(bytes);
    } catch (MalformedMessageException e) {
      throw new GatewayException(Failure.BACKEND_REJECTED, "backend '" + backend.name() + "' sent an unreadable answer");
    }
  }

  @Override
  public Future<Void> notify(JsonRpcNotification notification) {
    JsonRpcNotification upstream = McpMethods.CANCELLED.equals(notification.method())
        ? ids.cancelToUpstream(notification, this) : notification;
    if (upstream == null) {
      return Future.succeededFuture();
    }
    return post(JsonRpcCodec.encode(upstream));
  }

  @Override
  public Future<Void> respond(JsonRpcResponse response) {
    JsonRpcResponse upstream = ids.responseToUpstream(response);
    if (upstream == null) {
      return Future.failedFuture(new GatewayException(Failure.INVALID_REQUEST,
          "Invalid Request: no request with id " + response.id() + " is waiting for an answer"));
    }
    return post(JsonRpcCodec.encode(upstream));
  }

  private Future<Void> post(Buffer body) {
    return backend.send(HttpMethod.POST, sessionId, protocolVersion, body, null, backend.config().firstByteTimeout().toMillis())
        .recover(e -> Future.failedFuture(UpstreamFailures.of(backend.name(), e)))
        .compose(response -> response.body().otherwiseEmpty().transform(answer -> {
          if (response.statusCode() == 202 || response.statusCode() == 200) {
            return Future.<Void>succeededFuture();
          }
          return Future.<Void>failedFuture(rejected(response.statusCode(), answer.result()));
        }));
  }

  @Override
  public Future<Reply> listen(String lastEventId) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (lastEventId != null) {
      headers.add(McpHeaders.LAST_EVENT_ID, lastEventId);
    }
    MessageQueue<Outbound> messages = MessageQueue.onCurrentContext(backend.vertx());
    // A GET stream may rightly stay silent for hours: it gets no idle timeout (one set on a
    // Vert.x request cannot be lifted later), only the connect timeout.
    return backend.send(HttpMethod.GET, sessionId, protocolVersion, null, headers, -1)
        .recover(e -> Future.failedFuture(UpstreamFailures.of(backend.name(), e)))
        .compose(response -> {
          if (response.statusCode() == 200 && isEventStream(response.getHeader(HttpHeaders.CONTENT_TYPE))) {
            relayStream(response, messages, null, -1);
            return Future.succeededFuture(new Reply(Reply.Mode.SSE, messages, () -> response.request().reset()));
          }
          int status = response.statusCode();
          return response.body().otherwiseEmpty().transform(ignored -> Future.<Reply>failedFuture(status == 405
              ? new GatewayException(Failure.NO_SERVER_STREAM, "backend '" + backend.name() + "' offers no server-to-client stream")
              : rejected(status)));
        });
  }

  @Override
  public Future<Void> close() {
    backend.inFlight().drainOwner(this);
    if (sessionId == null) {
      return Future.succeededFuture();
    }
    return backend.send(HttpMethod.DELETE, sessionId, protocolVersion, null, null, backend.config().firstByteTimeout().toMillis())
        .compose(HttpClientResponse::body)
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }

  private static boolean isEventStream(String contentType) {
    return contentType != null && contentType.startsWith(McpHeaders.TEXT_EVENT_STREAM);
  }
}
