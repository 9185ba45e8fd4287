package io.portcullis.routing;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.mcp.JsonRpcNotification;
import io.portcullis.mcp.JsonRpcRequest;
import io.portcullis.mcp.JsonRpcResponse;
import io.portcullis.mcp.McpMethods;
import io.portcullis.pipeline.Failure;
import io.portcullis.pipeline.GatewayException;
import io.portcullis.pipeline.SharedWork;
import io.portcullis.transport.GatewaySession;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session's side on one backend that survives the backend forgetting it. When the backend says
 * it no longer knows the session (it restarted), the side is opened again with the client's
 * initialize and the request is sent once more; requests that found the same side lost share one
 * re-opening. Every user of the side (a call, a list, the catalog) gets this for free.
 */
final class RecoveringUpstreamSession implements UpstreamSession {
  private static final Logger LOG = LoggerFactory.getLogger(RecoveringUpstreamSession.class);

  private final String backend;
  private final Backends backends;
  private final GatewaySession session;
  private volatile UpstreamSession current;
  private Future<UpstreamSession> reopening;
  private UpstreamSession reopeningFrom;

  RecoveringUpstreamSession(String backend, Backends backends, GatewaySession session, UpstreamSession first) {
    this.backend = backend;
    this.backends = backends;
    this.session = session;
    this.current = first;
  }

  @Override
  public JsonNode initializeResult() {
    return current.initializeResult();
  }

  @Override
  public String protocolVersion() {
    return current.protocolVersion();
  }

  @Override
  public String versionFor(String requested) {
    return current.versionFor(requested);
  }

  @Override
  public Future<Reply> request(JsonRpcRequest request) {
    UpstreamSession used = current;
    return used.request(request).recover(e -> isLost(e)
        ? reopen(used).compose(fresh -> fresh.request(request))
            .recover(again -> Future.failedFuture(again instanceof GatewayException g ? g.withRequestId(request.id()) : again))
        : Future.failedFuture(e));
  }

  @Override
  public Future<Void> notify(JsonRpcNotification notification) {
    UpstreamSession used = current;
    return used.notify(notification).recover(e -> isLost(e) && !McpMethods.CANCELLED.equals(notification.method())
        ? reopen(used).compose(fresh -> fresh.notify(notification))
        : Future.failedFuture(e));
  }

  @Override
  public Future<Void> respond(JsonRpcResponse response) {
    // An answer belongs to a request of the side that asked it; a fresh side never asked.
    return current.respond(response);
  }

  @Override
  public Future<Reply> listen(String lastEventId) {
    UpstreamSession used = current;
    return used.listen(lastEventId).recover(e -> isLost(e) ? reopen(used).compose(fresh -> fresh.listen(null)) : Future.failedFuture(e));
  }

  @Override
  public Future<Void> close() {
    return current.close();
  }

  private static boolean isLost(Throwable e) {
    return e instanceof GatewayException g && g.failure() == Failure.UPSTREAM_SESSION_LOST;
  }

  /** The side to use instead of {@code lost}: opened again once, or already replaced by another request. */
  private synchronized Future<UpstreamSession> reopen(UpstreamSession lost) {
    if (current != lost) {
      return Future.succeededFuture(current);
    }
    if (reopening != null && reopeningFrom == lost) {
      return SharedWork.forCaller(reopening);
    }
    if (session.isClosed() || session.initializeRequest() == null) {
      return Future.failedFuture(new GatewayException(Failure.SESSION_NOT_FOUND, "the session ended"));
    }
    LOG.info("backend '{}' lost session {}…'s side; initializing it again", backend, session.id().substring(0, 8));
    reopeningFrom = lost;
    reopening = backends.open(backend, session.initializeRequest()).compose(fresh -> {
      synchronized (this) {
        current = fresh;
        reopening = null;
      }
      session.tools().forget(backend);
      lost.close();
      if (session.isClosed()) {
        fresh.close();
      }
      return fresh.notify(new JsonRpcNotification(McpMethods.INITIALIZED, null)).otherwiseEmpty().map(fresh);
    }).onFailure(e -> {
      synchronized (this) {
        reopening = null;
      }
    });
    return SharedWork.forCaller(reopening);
  }
}
