package io.portcullis.routing;

import io.portcullis.mcp.JsonRpcCodec;
import io.portcullis.mcp.JsonRpcNotification;
import io.portcullis.mcp.JsonRpcRequest;
import io.portcullis.mcp.JsonRpcResponse;
import io.portcullis.mcp.McpHeaders;
import io.portcullis.mcp.McpMethods;
import io.portcullis.observe.TraceContext;
import io.portcullis.pipeline.Exchange;
import io.portcullis.pipeline.Failure;
import io.portcullis.pipeline.GatewayException;
import io.portcullis.pipeline.Phase;
import io.portcullis.pipeline.Stage;
import io.portcullis.transport.ClientReply;
import io.portcullis.transport.GatewaySession;
import io.portcullis.transport.SessionManager;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The terminal stage: sends the message to its backend, or to every backend of the session, and
 * relays the answer. initialize opens the session's backend sides; lists are merged across
 * backends; GET merges the backends' server-to-client streams; DELETE ends the session;
 * notifications and the client's answers to relayed requests are acknowledged with 202.
 */
public final class ForwardStage implements Stage {
  private static final Logger LOG = LoggerFactory.getLogger(ForwardStage.class);
  /** Tasks whose creator the gateway remembers, over all backends; past it the least recently used is forgotten. */
  private static final int MAX_TASKS = 10_000;
  /** Of those, one caller's; past it that caller's least recently used is forgotten. */
  private static final int MAX_TASKS_PER_CALLER = 1_000;

  private final Vertx vertx;
  private final SessionManager sessions;
  private final SessionOpener opener;
  private final ListFanout lists;
  private final BackendMessages messages;
  private final TaskAccess tasks;
  private final Backends backends;
  private final java.util.function.BooleanSupplier refuseUnaudited;

  /** {@code refuseUnaudited} says when tools/call must be refused because its audit record could not be written. */
  public ForwardStage(Vertx vertx, SessionManager sessions, Backends backends, java.util.function.BooleanSupplier refuseUnaudited) {
    this.vertx = vertx;
    this.refuseUnaudited = refuseUnaudited;
    this.sessions = sessions;
    this.opener = new SessionOpener(vertx, backends);
    this.lists = new ListFanout(vertx, backends);
    this.messages = new BackendMessages(backends.mounts());
    this.tasks = new TaskAccess(vertx, new TaskOwners(MAX_TASKS, MAX_TASKS_PER_CALLER, System::currentTimeMillis));
    this.backends = backends;
  }

  @Override
  public Phase phase() {
    return Phase.FORWARD;
  }

  @Override
  public Future<Exchange> apply(Exchange exchange) {
    HttpMethod method = exchange.http().method();
    GatewaySession session = exchange.session();
    ClientReply reply = exchange.reply();
    if (method == HttpMethod.GET) {
      return traced(exchange, () -> listen(session, exchange.http().getHeader(McpHeaders.LAST_EVENT_ID)))
          .compose(upstream -> reply.relay(upstream, session))
          .map(exchange);
    }
    if (method == HttpMethod.DELETE) {
      return sessions.end(session).map(v -> {
        reply.sessionEnded();
        return exchange;
      });
    }
    if (exchange.message() instanceof JsonRpcRequest request) {
      return request(exchange, request, session);
    }
    Future<Void> sent = exchange.message() instanceof JsonRpcNotification notification
        ? notifyAll(session, notification)
        : respond(session, (JsonRpcResponse) exchange.message());
    return sent.map(v -> {
      reply.accepted();
      return exchange;
    });
  }

  private Future<Exchange> request(Exchange exchange, JsonRpcRequest request, GatewaySession session) {
    if (request.isInitialize()) {
      return initialize(exchange, request);
    }
    if (McpMethods.PING.equals(request.method())) {
      exchange.reply().answer(JsonRpcResponse.success(request.id(), JsonRpcCodec.object()), Map.of());
      return Future.succeededFuture(exchange);
    }
    if (McpMethods.TOOLS_CALL.equals(request.method()) && refuseUnaudited.getAsBoolean()) {
      return Future.failedFuture(new GatewayException(Failure.AUDIT_UNAVAILABLE,
          "Refused: the audit log cannot be written, so no tool runs until it can", request.id(), null));
    }
    Future<Reply> answer = traced(exchange, () -> {
      if (exchange.route().isSingleBackend()) {
        String backend = exchange.route().backend();
        // Only a process every session shares needs the gateway to keep callers' tasks apart; an HTTP
        // backend scopes them to its session itself, and a node-local record would lose them on a
        // restart or another replica (DESIGN: no node-local state but streams and stdio processes).
        Future<Reply> sent = backends.sharedBySessions(backend)
            ? tasks.send(session.principal(), backend, request, () -> send(session, backend, request))
            : send(session, backend, request);
        return sent.map(r -> messages.forClient(backend, session, r));
      }
      return "logging/setLevel".equals(request.method()) ? broadcast(session, request) : lists.list(session, request);
    });
    return answer
        .map(upstream -> exchange.replyFilter() == null ? upstream : exchange.replyFilter().apply(upstream))
        .compose(upstream -> exchange.reply().relay(upstream, session))
        .map(exchange);
  }

  /** Starts {@code call} with the exchange's trace context visible to the upstream requests it sends. */
  private static <T> T traced(Exchange exchange, java.util.function.Supplier<T> call) {
    TraceContext trace = exchange.audit().trace();
    return trace == null ? call.get() : trace.propagating(call);
  }

  /** Sends a request to one backend of the session (whose side re-opens itself if the backend lost it). */
  private Future<Reply> send(GatewaySession session, String backend, JsonRpcRequest request) {
    UpstreamSession upstream = session.upstream(backend);
    if (upstream == null) {
      return Future.failedFuture(new GatewayException(Failure.BACKEND_UNAVAILABLE,
          "backend '" + backend + "' is not available in this session yet; it joins when it is reachable", request.id(), null));
    }
    return upstream.request(request);
  }

  /** A request every backend must hear (logging/setLevel): answered with an empty result once any backend took it. */
  private Future<Reply> broadcast(GatewaySession session, JsonRpcRequest request) {
    List<Future<JsonRpcResponse>> answers = new ArrayList<>();
    session.upstreams().forEach((name, upstream) -> {
      if (upstream.initializeResult().path("capabilities").has("logging")) {
        answers.add(send(session, name, request).compose(Replies::response));
      }
    });
    return Future.join(answers).transform(done -> {
      JsonRpcResponse answer = answers.stream().filter(f -> f.succeeded() && !f.result().isError()).findFirst()
          .map(f -> JsonRpcResponse.success(request.id(), JsonRpcCodec.object()))
          .orElseGet(() -> answers.stream().filter(Future::succeeded).map(Future::result).findFirst()
              .orElse(JsonRpcResponse.success(request.id(), JsonRpcCodec.object())));
      return Future.succeededFuture(Replies.of(vertx, answer));
    });
  }

  /** A client notification goes to every backend; a cancellation is ignored by those that do not own the request. */
  private Future<Void> notifyAll(GatewaySession session, JsonRpcNotification notification) {
    if (McpMethods.INITIALIZED.equals(notification.method())) {
      session.markClientInitialized();
    }
    List<Future<Void>> sent = new ArrayList<>();
    session.upstreams().forEach((name, upstream) -> sent.add(upstream.notify(notification)
        .onFailure(e -> LOG.debug("backend '{}' did not take {}: {}", name, notification.method(), e.getMessage()))));
    return Future.join(sent).transform(done -> sent.isEmpty() || sent.stream().anyMatch(Future::succeeded)
        ? Future.<Void>succeededFuture() : Future.<Void>failedFuture(sent.get(0).cause()));
  }

  /** The client's answer to a backend's request goes to the backend its id names. */
  private Future<Void> respond(GatewaySession session, JsonRpcResponse response) {
    UpstreamSession upstream = RelayedIds.decode(response.id()).map(origin -> session.upstream(origin.backend())).orElse(null);
    if (upstream == null) {
      return Future.failedFuture(new GatewayException(Failure.INVALID_REQUEST,
          "Invalid Request: no request with id " + response.id() + " is waiting for an answer"));
    }
    return upstream.respond(response);
  }

  /**
   * The client's GET stream: every backend's stream merged. A Last-Event-ID names the backend
   * whose stream is resumed; the others start afresh. Fails only when no backend offers a stream.
   */
  private Future<Reply> listen(GatewaySession session, String lastEventId) {
    var resume = BackendMessages.resumePoint(lastEventId);
    Map<String, UpstreamSession> upstreams = session.upstreams();
    List<String> names = new ArrayList<>(upstreams.keySet());
    List<Future<Reply>> opened = new ArrayList<>();
    for (String name : names) {
      String from = resume.filter(r -> r.backend().equals(name)).map(Mounts.Target::upstream).orElse(null);
      opened.add(upstreams.get(name).listen(from).map(r -> messages.forClient(name, session, r)));
    }
    return Future.join(opened).transform(done -> {
      List<Reply> parts = opened.stream().filter(Future::succeeded).map(Future::result).toList();
      if (parts.isEmpty()) {
        return Future.failedFuture(opened.isEmpty()
            ? new GatewayException(Failure.BACKEND_UNAVAILABLE, "no backend is available in this session")
            : opened.get(0).cause());
      }
      opened.stream().filter(Future::failed).forEach(f ->
          LOG.debug("a backend offers no stream for session {}…: {}", session.id().substring(0, 8), f.cause().getMessage()));
      return Future.succeededFuture(MergedStream.of(vertx, parts, session, lastEventId != null));
    });
  }

  private Future<Exchange> initialize(Exchange exchange, JsonRpcRequest request) {
    GatewaySession session = exchange.session();
    return opener.open(session, request)
        .recover(e -> Future.failedFuture(e instanceof GatewayException g ? g.withRequestId(request.id()) : e))
        .compose(result -> {
          if (!sessions.register(session)) {
            sessions.end(session);
            return Future.failedFuture(new GatewayException(Failure.TOO_MANY_SESSIONS,
                "Service Unavailable: too many open sessions, try again later", request.id(), null));
          }
          exchange.reply().answer(JsonRpcResponse.success(request.id(), result), Map.of(McpHeaders.SESSION_ID, session.id()));
          return Future.succeededFuture(exchange);
        });
  }
}
