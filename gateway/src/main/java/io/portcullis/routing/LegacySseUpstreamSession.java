package io.portcullis.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.mcp.JsonRpcCodec;
import io.portcullis.mcp.JsonRpcMessage;
import io.portcullis.mcp.JsonRpcNotification;
import io.portcullis.mcp.JsonRpcRequest;
import io.portcullis.mcp.JsonRpcResponse;
import io.portcullis.mcp.McpHeaders;
import io.portcullis.mcp.McpMethods;
import io.portcullis.mcp.ProtocolVersions;
import io.portcullis.mcp.SseEvent;
import io.portcullis.mcp.SseParser;
import io.portcullis.pipeline.ErrorResponder;
import io.portcullis.pipeline.Failure;
import io.portcullis.pipeline.GatewayException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One gateway session's session on a 2024-11-05 HTTP+SSE backend: the GET stream it keeps open,
 * the endpoint it POSTs to, and its requests waiting for answers on that stream. All its state is
 * touched on the context that opened it. When the stream ends, its requests fail and the next one
 * reports the session lost, so the gateway opens a new one.
 */
final class LegacySseUpstreamSession implements UpstreamSession {
  private static final Logger LOG = LoggerFactory.getLogger(LegacySseUpstreamSession.class);
  private static final String LEGACY_VERSION = "2024-11-05";

  private final LegacySseBackend backend;
  private final Context context;
  private final Promise<URI> endpoint = Promise.promise();
  private final SilenceTimers silence;
  private HttpClientResponse stream;
  private MessageQueue<Outbound> listener;
  private JsonNode initializeResult;
  private volatile boolean lost;

  private LegacySseUpstreamSession(LegacySseBackend backend) {
    this.backend = backend;
    this.context = backend.vertx().getOrCreateContext();
    this.silence = new SilenceTimers(backend.vertx(), backend.name(), backend.inFlight(),
        backend.config().streamIdleTimeout().toMillis(), this::post);
  }

  static Future<UpstreamSession> open(LegacySseBackend backend, JsonRpcRequest initialize) {
    LegacySseUpstreamSession session = new LegacySseUpstreamSession(backend);
    long timeout = backend.config().firstByteTimeout().toMillis();
    return session.connect(timeout)
        .compose(v -> session.request(initializeFor(initialize)))
        .compose(Replies::response)
        .compose(response -> {
          if (response.isError()) {
            return Future.failedFuture(GatewayException.upstreamError(response.error()));
          }
          session.initializeResult = response.result();
          return session.post(new JsonRpcNotification(McpMethods.INITIALIZED, null)).map(v -> (UpstreamSession) session);
        })
        .onFailure(e -> session.close());
  }

  /** The client's initialize, asking for the only version this transport speaks. */
  private static JsonRpcRequest initializeFor(JsonRpcRequest initialize) {
    ObjectNode params = initialize.params() == null ? JsonRpcCodec.object() : initialize.params().deepCopy();
    params.put("protocolVersion", LEGACY_VERSION);
    return new JsonRpcRequest(initialize.id(), initialize.method(), params);
  }

  /** Opens the GET stream; completes once the backend has named its POST endpoint. */
  private Future<Void> connect(long timeoutMillis) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add(HttpHeaders.ACCEPT, McpHeaders.TEXT_EVENT_STREAM);
    long timer = backend.vertx().setTimer(timeoutMillis, t -> endpoint.tryFail(new GatewayException(Failure.BACKEND_TIMEOUT,
        "backend '" + backend.name() + "' did not name its message endpoint in time")));
    backend.http().send(HttpMethod.GET, backend.config().url(), headers, null, -1).onComplete(r -> {
      if (r.failed()) {
        endpoint.tryFail(UpstreamFailures.of(backend.name(), r.cause()));
        return;
      }
      HttpClientResponse response = r.result();
      String type = response.getHeader(HttpHeaders.CONTENT_TYPE);
      if (response.statusCode() != 200 || type == null || !type.startsWith(McpHeaders.TEXT_EVENT_STREAM)) {
        response.body().otherwiseEmpty().onComplete(x -> endpoint.tryFail(new GatewayException(Failure.BACKEND_REJECTED,
            "backend '" + backend.name() + "' answered its SSE stream with HTTP " + response.statusCode())));
        return;
      }
      stream = response;
      SseParser parser = new SseParser(this::onEvent);
      response.handler(parser::feed);
      response.endHandler(v -> streamEnded(null));
      response.exceptionHandler(this::streamEnded);
    });
    return endpoint.future().onComplete(r -> backend.vertx().cancelTimer(timer)).mapEmpty();
  }

  private void onEvent(SseEvent event) {
    if ("endpoint".equals(event.event())) {
      try {
        endpoint.tryComplete(URI.create(backend.config().url()).resolve(event.data().trim()));
      } catch (IllegalArgumentException e) {
        endpoint.tryFail(new GatewayException(Failure.BACKEND_REJECTED, "backend '" + backend.name() + "' named an invalid endpoint"));
      }
      return;
    }
    if (event.event() != null && !"message".equals(event.event()) || event.data().isBlank()) {
      return;
    }
    JsonRpcCodec.parseEach(event.data(), e -> LOG.warn("backend '{}' sent an event that is not a JSON-RPC message: {}",
        backend.name(), e.getMessage())).forEach(this::dispatch);
  }

  /** Routes a message from the stream: to the request it answers or reports on, or to the GET stream. */
  private void dispatch(JsonRpcMessage message) {
    IdTranslator ids = backend.ids();
    InFlightRequests.Entry owner = ids.owningRequest(message);
    if (owner != null && owner.owner() != this) {
      return;
    }
    JsonRpcMessage forClient = ids.toClient(message);
    if (forClient == null) {
      return;
    }
    if (owner != null) {
      if (message instanceof JsonRpcResponse) {
        backend.inFlight().remove(owner.upstreamId());
        silence.end(owner.upstreamId());
        owner.replies().offer(new Outbound(null, forClient));
        owner.replies().end();
      } else {
        silence.arm(owner.upstreamId());
        owner.replies().offer(new Outbound(null, forClient));
      }
      return;
    }
    InFlightRequests.Entry latest = message instanceof JsonRpcRequest ? backend.inFlight().latestOf(this) : null;
    if (latest != null) {
      latest.replies().offer(new Outbound(null, forClient));
    } else if (listener != null) {
      listener.offer(new Outbound(null, forClient));
    }
  }

  private void streamEnded(Throwable error) {
    lost = true;
    stream = null;
    endpoint.tryFail(new GatewayException(Failure.BACKEND_UNAVAILABLE, "backend '" + backend.name() + "' closed its SSE stream"));
    for (InFlightRequests.Entry entry : backend.inFlight().drainOwner(this)) {
      silence.end(entry.upstreamId());
      GatewayException failure = new GatewayException(Failure.BACKEND_UNAVAILABLE,
          "backend '" + backend.name() + "' closed its stream while the request was in flight");
      entry.replies().offer(new Outbound(null, ErrorResponder.asJsonRpc(failure, entry.clientId())));
      entry.replies().end();
    }
    if (listener != null) {
      listener.end();
      listener = null;
    }
    if (error != null) {
      LOG.debug("backend '{}': SSE stream failed: {}", backend.name(), error.toString());
    }
  }

  @Override
  public JsonNode initializeResult() {
    return initializeResult;
  }

  @Override
  public String protocolVersion() {
    return LEGACY_VERSION;
  }

  @Override
  public String versionFor(String requested) {
    return ProtocolVersions.negotiate(requested);
  }

  @Override
  public Future<Reply> request(JsonRpcRequest request) {
    MessageQueue<Outbound> replies = MessageQueue.onCurrentContext(backend.vertx());
    return onContext(() -> {
      if (lost) {
        return Future.failedFuture(new GatewayException(Failure.UPSTREAM_SESSION_LOST,
            "backend '" + backend.name() + "' closed this session's stream"));
      }
      long upstreamId = backend.inFlight().nextUpstreamId();
      backend.inFlight().add(new InFlightRequests.Entry(upstreamId, this, request.id(), IdTranslator.progressToken(request), replies,
          request.method()));
      silence.arm(upstreamId);
      return post(backend.ids().requestToUpstream(request, upstreamId))
          .onFailure(e -> {
            backend.inFlight().remove(upstreamId);
            silence.end(upstreamId);
          })
          .map(v -> new Reply(Reply.Mode.ADAPTIVE, replies, () -> abandoned(upstreamId)));
    }).recover(e -> Future.failedFuture(UpstreamFailures.of(backend.name(), e).withRequestId(request.id())));
  }

  private void abandoned(long upstreamId) {
    context.runOnContext(v -> {
      if (backend.inFlight().remove(upstreamId) != null) {
        silence.end(upstreamId);
        post(new JsonRpcNotification(McpMethods.CANCELLED, JsonRpcCodec.object().put("requestId", upstreamId)
            .put("reason", "the gateway gave up waiting")));
      }
    });
  }

  @Override
  public Future<Void> notify(JsonRpcNotification notification) {
    if (McpMethods.INITIALIZED.equals(notification.method())) {
      return Future.succeededFuture();
    }
    JsonRpcNotification upstream = McpMethods.CANCELLED.equals(notification.method())
        ? backend.ids().cancelToUpstream(notification, this) : notification;
    return upstream == null ? Future.succeededFuture() : onContext(() -> post(upstream));
  }

  @Override
  public Future<Void> respond(JsonRpcResponse response) {
    JsonRpcResponse upstream = backend.ids().responseToUpstream(response);
    if (upstream == null) {
      return Future.failedFuture(new GatewayException(Failure.INVALID_REQUEST,
          "Invalid Request: no request with id " + response.id() + " is waiting for an answer"));
    }
    return onContext(() -> post(upstream));
  }

  /** POSTs a message to the endpoint the backend named; the answer comes on the stream. */
  private Future<Void> post(JsonRpcMessage message) {
    return endpoint.future().compose(uri -> backend.http().send(HttpMethod.POST, uri.toString(), null, JsonRpcCodec.encode(message),
            backend.config().firstByteTimeout().toMillis()))
        .recover(e -> Future.failedFuture(UpstreamFailures.of(backend.name(), e)))
        .compose(response -> response.body().otherwiseEmpty().transform(ignored -> {
          int status = response.statusCode();
          if (status >= 200 && status < 300) {
            return Future.<Void>succeededFuture();
          }
          return Future.<Void>failedFuture(status == 404
              ? new GatewayException(Failure.UPSTREAM_SESSION_LOST, "backend '" + backend.name() + "' no longer knows this session")
              : new GatewayException(Failure.BACKEND_REJECTED, "backend '" + backend.name() + "' answered HTTP " + status));
        }));
  }

  @Override
  public Future<Reply> listen(String lastEventId) {
    MessageQueue<Outbound> mine = MessageQueue.onCurrentContext(backend.vertx());
    return onContext(() -> {
      if (listener != null) {
        return Future.failedFuture(new GatewayException(Failure.STREAM_CONFLICT,
            "Conflict: only one server-to-client stream is allowed per session"));
      }
      listener = mine;
      return Future.succeededFuture(new Reply(Reply.Mode.SSE, mine, () -> context.runOnContext(v -> {
        if (listener == mine) {
          listener = null;
        }
      })));
    });
  }

  @Override
  public Future<Void> close() {
    return onContext(() -> {
      lost = true;
      for (InFlightRequests.Entry entry : backend.inFlight().drainOwner(this)) {
        silence.end(entry.upstreamId());
        entry.replies().end();
      }
      if (stream != null) {
        stream.request().reset();
        stream = null;
      }
      if (listener != null) {
        listener.end();
        listener = null;
      }
      return Future.<Void>succeededFuture();
    });
  }

  /** Runs {@code action} on this session's context, completing back on the caller's. */
  private <T> Future<T> onContext(java.util.function.Supplier<Future<T>> action) {
    return ContextHop.on(backend.vertx(), context, action);
  }
}
