package io.portcullis.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.config.StdioBackendConfig;
import io.portcullis.mcp.JsonRpcCodec;
import io.portcullis.mcp.JsonRpcError;
import io.portcullis.mcp.JsonRpcErrorCodes;
import io.portcullis.mcp.JsonRpcMessage;
import io.portcullis.mcp.JsonRpcNotification;
import io.portcullis.mcp.JsonRpcRequest;
import io.portcullis.mcp.JsonRpcResponse;
import io.portcullis.mcp.McpMethods;
import io.portcullis.mcp.ProtocolVersions;
import io.portcullis.mcp.ServerInfo;
import io.portcullis.pipeline.ErrorResponder;
import io.portcullis.pipeline.Failure;
import io.portcullis.pipeline.GatewayException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A backend the gateway runs as a child process: one process shared by every session, never one
 * per call or per session. The gateway initializes it once and answers each client's initialize
 * from that; upstream ids, progress tokens and relayed request ids keep the sessions apart. When
 * the process dies, requests in flight fail with a clear error and it is restarted with backoff.
 * All state is confined to one Vert.x context.
 */
public final class StdioBackend implements Backend {
  private static final Logger LOG = LoggerFactory.getLogger(StdioBackend.class);
  private static final long STABLE_RUN_MILLIS = 60_000;
  private static final String TASK_STATUS = "notifications/tasks/status";

  private final Vertx vertx;
  private final String name;
  private final StdioBackendConfig config;
  private final InFlightRequests inFlight = new InFlightRequests();
  private final IdTranslator ids;
  private final Set<StdioUpstreamSession> sessions = ConcurrentHashMap.newKeySet();
  private final SharedSubscriptions<StdioUpstreamSession> subscriptions;
  private Context context;
  private StdioProcess process;
  private Promise<Void> ready = Promise.promise();
  private volatile JsonNode initializeResult;
  private long backoffMillis;
  private long launchedAt;
  private boolean stopped;

  public StdioBackend(Vertx vertx, String name, StdioBackendConfig config) {
    this.vertx = vertx;
    this.name = name;
    this.config = config;
    this.ids = new IdTranslator(name, inFlight);
    this.backoffMillis = config.restartBackoff().toMillis();
    this.subscriptions = new SharedSubscriptions<>(config.maxSubscriptions());
  }

  @Override
  public boolean sharedBySessions() {
    return true;
  }

  @Override
  public String name() {
    return name;
  }

  /** Launches the process and returns at once; sessions wait for it to be initialized. */
  @Override
  public Future<Void> start() {
    context = vertx.getOrCreateContext();
    context.runOnContext(v -> launch());
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> stop() {
    Promise<Void> stoppedPromise = Promise.promise();
    context.runOnContext(v -> {
      stopped = true;
      failInFlight("the gateway is shutting down");
      (process == null ? Future.<Void>succeededFuture() : process.stop(vertx)).onComplete(r -> stoppedPromise.complete());
    });
    return stoppedPromise.future();
  }

  @Override
  public Future<UpstreamSession> open(JsonRpcRequest initialize) {
    return whenReady().compose(v -> {
      JsonNode result = initializeResult;
      if (result == null) {
        return Future.failedFuture(new GatewayException(Failure.BACKEND_UNAVAILABLE, "backend '" + name + "' restarted; try again"));
      }
      JsonNode capabilities = initialize.params() == null ? null : initialize.params().get("capabilities");
      StdioUpstreamSession session = new StdioUpstreamSession(this, result, capabilities);
      sessions.add(session);
      return Future.<UpstreamSession>succeededFuture(session);
    });
  }

  Vertx vertx() {
    return vertx;
  }

  IdTranslator ids() {
    return ids;
  }

  InFlightRequests inFlight() {
    return inFlight;
  }

  StdioBackendConfig config() {
    return config;
  }

  /** The sessions' resource subscriptions on this process; touched only on the backend's context. */
  SharedSubscriptions<StdioUpstreamSession> subscriptions() {
    return subscriptions;
  }

  /**
   * Sends a request of the gateway's own about {@code uri} (a subscription no session asked for
   * just now: renewed after a restart, ended when its last session ended); its answer is ignored.
   * Runs on the backend's context.
   */
  void sendOwn(String method, String uri) {
    long upstreamId = inFlight.nextUpstreamId();
    MessageQueue<Outbound> ignored = new MessageQueue<>(context, 16, 10_000);
    ignored.handler(out -> { });
    inFlight.add(new InFlightRequests.Entry(upstreamId, this, LongNode.valueOf(upstreamId), null, ignored));
    write(new JsonRpcRequest(LongNode.valueOf(upstreamId), method, JsonRpcCodec.object().put("uri", uri)))
        .onFailure(e -> inFlight.remove(upstreamId));
  }

  void forget(StdioUpstreamSession session) {
    sessions.remove(session);
  }

  /** Completes (on the caller's context) when the process is initialized, or fails after the start timeout. */
  Future<Void> whenReady() {
    return onContext(() -> {
      Promise<Void> waiting = Promise.promise();
      ready.future().onComplete(waiting);
      long timer = vertx.setTimer(config.startTimeout().toMillis(), t -> waiting.tryFail(
          new GatewayException(Failure.BACKEND_UNAVAILABLE, "backend '" + name + "' is not ready")));
      return waiting.future().onComplete(r -> vertx.cancelTimer(timer));
    });
  }

  /**
   * Runs an action on the backend's context, where its state lives, and completes with its
   * result back on the caller's context, where the caller's state lives.
   */
  <T> Future<T> onContext(java.util.function.Supplier<Future<T>> action) {
    return ContextHop.on(vertx, context, action);
  }

  /** Writes a message to the process; fails when there is no live process. */
  Future<Void> write(JsonRpcMessage message) {
    StdioProcess current = process;
    if (current == null || !current.isAlive()) {
      return Future.failedFuture(new GatewayException(Failure.BACKEND_UNAVAILABLE, "backend '" + name + "' is not running"));
    }
    return current.write(JsonRpcCodec.encode(message).getBytes())
        .recover(e -> Future.failedFuture(UpstreamFailures.of(name, e)));
  }

  private void launch() {
    if (stopped) {
      return;
    }
    launchedAt = System.currentTimeMillis();
    StdioProcess.launch(vertx, name, config,
            line -> context.runOnContext(v -> dispatch(line)),
            code -> context.runOnContext(v -> exited(code)))
        .onSuccess(p -> {
          process = p;
          initialize();
        })
        .onFailure(e -> {
          LOG.error("backend '{}': cannot start {}: {}", name, config.command(), e.getMessage());
          scheduleRestart();
        });
  }

  private void initialize() {
    long upstreamId = inFlight.nextUpstreamId();
    MessageQueue<Outbound> answer = new MessageQueue<>(context, 16, 10_000);
    inFlight.add(new InFlightRequests.Entry(upstreamId, this, LongNode.valueOf(upstreamId), null, answer));
    ObjectNode params = JsonRpcCodec.object();
    params.put("protocolVersion", ProtocolVersions.LATEST);
    ObjectNode capabilities = params.putObject("capabilities");
    capabilities.putObject("sampling");
    capabilities.putObject("elicitation");
    params.putObject("clientInfo").put("name", "portcullis").put("version", ServerInfo.VERSION);
    answer.handler(out -> {
      if (out.message() instanceof JsonRpcResponse response && !response.isError()) {
        initializeResult = response.result();
        write(new JsonRpcNotification(McpMethods.INITIALIZED, null));
        // A restarted process has forgotten the subscriptions its sessions still hold.
        subscriptions.uris().forEach(uri -> sendOwn(McpMethods.RESOURCES_SUBSCRIBE, uri));
        LOG.info("backend '{}': initialized ({} {}, protocol {})", name,
            response.result().path("serverInfo").path("name").asText("?"),
            response.result().path("serverInfo").path("version").asText("?"),
            response.result().path("protocolVersion").asText("?"));
        ready.tryComplete();
      } else if (out.message() instanceof JsonRpcResponse response) {
        LOG.error("backend '{}': initialize refused: {}", name, response.error().message());
      }
    });
    write(new JsonRpcRequest(LongNode.valueOf(upstreamId), McpMethods.INITIALIZE, params));
  }

  private void dispatch(String line) {
    JsonRpcCodec.parseEach(line, e -> LOG.warn("backend '{}': ignoring stdout that is not a JSON-RPC message: {}", name, e.getMessage()))
        .forEach(this::dispatch);
  }

  private void dispatch(JsonRpcMessage message) {
    InFlightRequests.Entry owner = ids.owningRequest(message);
    if (owner != null && owner.owner() == this) {
      inFlight.remove(owner.upstreamId());
      owner.replies().offer(new Outbound(null, message));
      return;
    }
    JsonRpcMessage forClient = ids.toClient(message);
    if (forClient == null) {
      // An answer or progress for a request no longer in flight (timed out, cancelled): nobody to tell.
      return;
    }
    if (message instanceof JsonRpcResponse) {
      if (owner != null) {
        inFlight.remove(owner.upstreamId());
        owner.replies().offer(new Outbound(null, forClient));
        owner.replies().end();
        ((StdioUpstreamSession) owner.owner()).requestEnded(owner.upstreamId());
      }
      return;
    }
    if (owner != null) {
      ((StdioUpstreamSession) owner.owner()).requestProgressed(owner.upstreamId());
      owner.replies().offer(new Outbound(null, forClient));
      return;
    }
    if (message instanceof JsonRpcRequest request) {
      relayServerRequest(request, (JsonRpcRequest) forClient);
      return;
    }
    deliverNotification((JsonRpcNotification) forClient);
  }

  /**
   * A request from the backend to a client (sampling, elicitation, roots). Over stdio it names no
   * session, so it can be relayed only when exactly one session has requests in flight: then it is
   * that session's, and goes on the stream of its latest request. When several sessions are
   * waiting the gateway cannot tell whose it is, and refuses it rather than show one client's
   * request to another; it also refuses it for a client that did not declare the capability. A
   * request about a task (input a task needs) goes on the stream of the tasks/result waiting for
   * that task, which the gateway forwards only for the task's creator, and is refused when none
   * waits.
   */
  private void relayServerRequest(JsonRpcRequest original, JsonRpcRequest forClient) {
    if (McpMethods.PING.equals(original.method())) {
      write(JsonRpcResponse.success(original.id(), JsonRpcCodec.object()));
      return;
    }
    String task = TaskAccess.relatedTask(original.params());
    if (task != null) {
      InFlightRequests.Entry resultStream = inFlight.waitingForResultOf(task);
      if (resultStream == null) {
        refuse(original, "no client is waiting for the result of the task this request belongs to");
      } else {
        relay(original, forClient, (StdioUpstreamSession) resultStream.owner(), resultStream);
      }
      return;
    }
    var waiting = inFlight.owners();
    waiting.remove(this);
    if (waiting.size() != 1) {
      LOG.warn("backend '{}': refused {} because {} sessions are waiting on this shared process and it names none",
          name, original.method(), waiting.size());
      refuse(original, waiting.isEmpty()
          ? "no client session is waiting on a request that this could belong to"
          : "the gateway cannot tell which of " + waiting.size() + " client sessions this request is for");
      return;
    }
    StdioUpstreamSession session = (StdioUpstreamSession) waiting.iterator().next();
    relay(original, forClient, session, inFlight.latestOf(session));
  }

  /** Relays a backend request on the stream of {@code request}, a request of {@code session}'s, if its client can answer it. */
  private void relay(JsonRpcRequest original, JsonRpcRequest forClient, StdioUpstreamSession session, InFlightRequests.Entry request) {
    if (!session.clientSupports(original.method())) {
      refuse(original, "the client did not declare the capability for " + original.method());
      return;
    }
    session.expectAnswer(forClient.id());
    request.replies().offer(new Outbound(null, forClient));
  }

  private void refuse(JsonRpcRequest original, String why) {
    write(JsonRpcResponse.failure(original.id(), JsonRpcError.of(JsonRpcErrorCodes.INTERNAL_ERROR, why)));
  }

  /**
   * A notification the process sent outside any request. Resource updates go to the sessions
   * subscribed to that resource, and list changes (which say nothing about anyone's data) to all.
   * Anything else — log messages above all, which may carry another user's data — goes to a
   * session only when it can be nobody else's: the only session on the process, or the only one
   * with requests in flight; otherwise it is dropped. A notification about a task (its status,
   * or naming it as its related task) goes only on the stream of a tasks/result waiting for that
   * task: whoever else is waiting may not be its creator.
   */
  private void deliverNotification(JsonRpcNotification notification) {
    String method = notification.method();
    String task = TASK_STATUS.equals(method) && notification.params() != null && notification.params().path("taskId").isTextual()
        ? notification.params().get("taskId").asText() : TaskAccess.relatedTask(notification.params());
    if (task != null) {
      InFlightRequests.Entry resultStream = inFlight.waitingForResultOf(task);
      if (resultStream != null) {
        resultStream.replies().offer(new Outbound(null, notification));
      } else {
        LOG.debug("backend '{}': dropped {} about a task nobody is waiting on", name, method);
      }
      return;
    }
    if (McpMethods.RESOURCES_UPDATED.equals(method)) {
      String uri = notification.params() == null ? null : notification.params().path("uri").asText(null);
      if (uri != null) {
        // Subscriptions are held under the URI as the gateway forwarded it, in normal form; the process may spell it otherwise.
        subscriptions.subscribersOf(normalOrAsIs(uri)).forEach(s -> s.push(notification));
      }
      return;
    }
    if (method.startsWith("notifications/") && method.endsWith("/list_changed")) {
      sessions.forEach(s -> s.push(notification));
      return;
    }
    var waiting = inFlight.owners();
    waiting.remove(this);
    if (sessions.size() == 1) {
      sessions.forEach(s -> s.push(notification));
    } else if (waiting.size() == 1) {
      ((StdioUpstreamSession) waiting.iterator().next()).push(notification);
    } else {
      LOG.debug("backend '{}': dropped {}: {} sessions share the process and it names none", name, method, sessions.size());
    }
  }

  private void exited(int code) {
    LOG.warn("backend '{}': process exited with code {}", name, code);
    process = null;
    initializeResult = null;
    if (ready.future().isComplete()) {
      ready = Promise.promise();
    }
    failInFlight("backend '" + name + "' exited (code " + code + ") while the request was in flight");
    scheduleRestart();
  }

  private void failInFlight(String why) {
    for (InFlightRequests.Entry entry : inFlight.drain()) {
      if (entry.owner() instanceof StdioUpstreamSession session) {
        GatewayException failure = new GatewayException(Failure.BACKEND_UNAVAILABLE, why);
        entry.replies().offer(new Outbound(null, ErrorResponder.asJsonRpc(failure, entry.clientId())));
        session.requestEnded(entry.upstreamId());
      }
      entry.replies().end();
    }
  }

  private void scheduleRestart() {
    if (stopped) {
      return;
    }
    if (System.currentTimeMillis() - launchedAt > STABLE_RUN_MILLIS) {
      backoffMillis = config.restartBackoff().toMillis();
    }
    long delay = backoffMillis;
    backoffMillis = Math.min(backoffMillis * 2, config.maxRestartBackoff().toMillis());
    LOG.info("backend '{}': restarting in {} ms", name, delay);
    vertx.setTimer(Math.max(1, delay), t -> launch());
  }

  long requestTimeoutMillis() {
    return TimeUnit.MILLISECONDS.convert(config.requestTimeout());
  }

  private static String normalOrAsIs(String uri) {
    try {
      return ResourceUris.normalize(uri);
    } catch (IllegalArgumentException e) {
      return uri;
    }
  }
}
