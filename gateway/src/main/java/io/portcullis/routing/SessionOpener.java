package io.portcullis.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.mcp.JsonRpcCodec;
import io.portcullis.mcp.JsonRpcNotification;
import io.portcullis.mcp.JsonRpcRequest;
import io.portcullis.mcp.McpMethods;
import io.portcullis.mcp.ProtocolVersions;
import io.portcullis.mcp.ServerInfo;
import io.portcullis.pipeline.Failure;
import io.portcullis.pipeline.GatewayException;
import io.portcullis.transport.GatewaySession;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens and keeps open a session's backend sides. At initialize every backend is opened in
 * parallel; with several backends each gets routing.listTimeout, and one that is down or slow does
 * not fail the session: it is retried with backoff while the session lives, and when it joins the
 * client is told its lists changed. Each side joins as a {@link RecoveringUpstreamSession}, which
 * opens it again when the backend forgets it.
 */
final class SessionOpener {
  private static final Logger LOG = LoggerFactory.getLogger(SessionOpener.class);
  private static final long MAX_REJOIN_BACKOFF_MILLIS = 60_000;

  private final Vertx vertx;
  private final Backends backends;

  SessionOpener(Vertx vertx, Backends backends) {
    this.vertx = vertx;
    this.backends = backends;
  }

  /**
   * Opens the backends for a session being initialized. Completes with the initialize result the
   * client gets once at least one backend is open, or fails with the first backend's failure when
   * none is.
   */
  Future<ObjectNode> open(GatewaySession session, JsonRpcRequest initialize) {
    List<String> names = backends.names();
    boolean several = names.size() > 1;
    Map<String, Future<UpstreamSession>> opening = new LinkedHashMap<>();
    for (String name : names) {
      Future<UpstreamSession> opened = backends.open(name, initialize);
      opening.put(name, several ? within(name, session, opened) : opened);
    }
    return Future.join(List.copyOf(opening.values())).transform(done -> {
      Map<String, UpstreamSession> open = new LinkedHashMap<>();
      Throwable firstFailure = null;
      for (var entry : opening.entrySet()) {
        if (entry.getValue().succeeded()) {
          open.put(entry.getKey(), entry.getValue().result());
        } else {
          firstFailure = firstFailure == null ? entry.getValue().cause() : firstFailure;
        }
      }
      if (open.isEmpty()) {
        return Future.failedFuture(firstFailure instanceof StillOpening
            ? new GatewayException(Failure.BACKEND_TIMEOUT, "no backend answered initialize in time") : firstFailure);
      }
      String requested = initialize.params() == null ? null : initialize.params().path("protocolVersion").asText(null);
      String version = several ? ProtocolVersions.negotiate(requested) : open.values().iterator().next().versionFor(requested);
      session.initialized(initialize, version, initialize.params() == null ? null : initialize.params().get("clientInfo"));
      open.forEach((name, upstream) -> session.join(name, new RecoveringUpstreamSession(name, backends, session, upstream)));
      for (var entry : opening.entrySet()) {
        if (entry.getValue().failed() && !(entry.getValue().cause() instanceof StillOpening)) {
          LOG.warn("backend '{}' is not part of session {}… yet: {}", entry.getKey(), session.id().substring(0, 8),
              entry.getValue().cause().getMessage());
          scheduleRejoin(session, entry.getKey(), backends.routing().rejoinBackoff().toMillis());
        }
      }
      return Future.succeededFuture(resultForClient(open, version, several));
    });
  }

  /**
   * The backend's opening, bounded by the list timeout. If it opens later, it joins the session
   * then; if it fails later, it is retried like a backend that was down.
   */
  private Future<UpstreamSession> within(String name, GatewaySession session, Future<UpstreamSession> opened) {
    Promise<UpstreamSession> bounded = Promise.promise();
    long timer = vertx.setTimer(backends.routing().listTimeout().toMillis(), t -> bounded.tryFail(new StillOpening()));
    opened.onComplete(r -> {
      vertx.cancelTimer(timer);
      boolean inTime = r.succeeded() ? bounded.tryComplete(r.result()) : bounded.tryFail(r.cause());
      if (inTime) {
        return;
      }
      // The session was answered without this backend; it joins now, or is retried.
      if (r.succeeded()) {
        joined(session, name, r.result());
      } else {
        scheduleRejoin(session, name, backends.routing().rejoinBackoff().toMillis());
      }
    });
    return bounded.future();
  }

  private void scheduleRejoin(GatewaySession session, String name, long delayMillis) {
    vertx.setTimer(delayMillis, t -> {
      if (session.isClosed() || session.upstream(name) != null) {
        return;
      }
      backends.open(name, session.initializeRequest()).onComplete(r -> {
        if (r.succeeded()) {
          joined(session, name, r.result());
        } else {
          LOG.debug("backend '{}' still cannot join session {}…: {}", name, session.id().substring(0, 8), r.cause().getMessage());
          scheduleRejoin(session, name, Math.min(delayMillis * 2, MAX_REJOIN_BACKOFF_MILLIS));
        }
      });
    });
  }

  /** A backend that was missing joins: it is told the client is initialized, and the client that its lists changed. */
  private void joined(GatewaySession session, String name, UpstreamSession upstream) {
    if (session.initializeRequest() == null || !session.join(name, new RecoveringUpstreamSession(name, backends, session, upstream))) {
      upstream.close();
      return;
    }
    LOG.info("backend '{}' joined session {}…", name, session.id().substring(0, 8));
    if (session.clientInitialized()) {
      upstream.notify(new JsonRpcNotification(McpMethods.INITIALIZED, null));
    }
    JsonNode capabilities = upstream.initializeResult().path("capabilities");
    for (String list : List.of("tools", "prompts", "resources")) {
      if (capabilities.has(list)) {
        session.notifyClient(new JsonRpcNotification("notifications/" + list + "/list_changed", null));
      }
    }
  }

  /**
   * What the client learns at initialize: the gateway's own server info, the agreed version, and
   * the backends' capabilities (one backend's as they are; several backends' united, with list
   * changes announced since a late backend changes the lists).
   */
  private static ObjectNode resultForClient(Map<String, UpstreamSession> open, String version, boolean several) {
    ObjectNode result = JsonRpcCodec.object();
    result.put("protocolVersion", version);
    if (several) {
      result.set("capabilities", unitedCapabilities(open));
    } else {
      JsonNode capabilities = open.values().iterator().next().initializeResult().path("capabilities");
      result.set("capabilities", capabilities.isObject() ? capabilities : JsonRpcCodec.object());
    }
    result.putObject("serverInfo").put("name", ServerInfo.NAME).put("title", "Portcullis MCP gateway")
        .put("version", ServerInfo.VERSION);
    StringBuilder instructions = new StringBuilder();
    open.forEach((name, upstream) -> {
      JsonNode text = upstream.initializeResult().path("instructions");
      if (text.isTextual() && !text.asText().isBlank()) {
        instructions.append(several ? (instructions.length() > 0 ? "\n\n" : "") + "## " + name + "\n" : "").append(text.asText());
      }
    });
    if (instructions.length() > 0) {
      result.put("instructions", instructions.toString());
    }
    return result;
  }

  private static ObjectNode unitedCapabilities(Map<String, UpstreamSession> open) {
    ObjectNode united = JsonRpcCodec.object();
    united.putObject("tools").put("listChanged", true);
    for (UpstreamSession upstream : open.values()) {
      JsonNode capabilities = upstream.initializeResult().path("capabilities");
      for (String list : List.of("prompts", "resources")) {
        if (capabilities.has(list)) {
          ObjectNode mine = united.has(list) ? (ObjectNode) united.get(list) : united.putObject(list);
          mine.put("listChanged", true);
          if (capabilities.path(list).path("subscribe").asBoolean(false)) {
            mine.put("subscribe", true);
          }
        }
      }
      for (String feature : List.of("logging", "completions")) {
        if (capabilities.has(feature) && !united.has(feature)) {
          united.putObject(feature);
        }
      }
    }
    return united;
  }

  /** The marker for a backend that was still opening when the session was answered (it joins later by itself). */
  private static final class StillOpening extends RuntimeException {
    StillOpening() {
      super("still opening", null, false, false);
    }
  }
}
