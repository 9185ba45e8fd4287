package io.portcullis.routing;

import io.portcullis.mcp.JsonRpcCodec;
import io.portcullis.mcp.JsonRpcNotification;
import io.portcullis.mcp.McpMethods;
import io.portcullis.pipeline.ErrorResponder;
import io.portcullis.pipeline.Failure;
import io.portcullis.pipeline.GatewayException;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The silence limit of the requests one upstream session has in flight, for backends whose
 * answers arrive on a channel the gateway cannot time out by itself (a shared stdio process, a
 * legacy SSE stream). A request that hears nothing for the limit (progress restarts it) is
 * answered with a timeout error and cancelled at the backend.
 */
final class SilenceTimers {
  private final Vertx vertx;
  private final String backend;
  private final InFlightRequests inFlight;
  private final long limitMillis;
  private final Consumer<JsonRpcNotification> cancelUpstream;
  private final Map<Long, Long> timers = new ConcurrentHashMap<>();

  SilenceTimers(Vertx vertx, String backend, InFlightRequests inFlight, long limitMillis, Consumer<JsonRpcNotification> cancelUpstream) {
    this.vertx = vertx;
    this.backend = backend;
    this.inFlight = inFlight;
    this.limitMillis = limitMillis;
    this.cancelUpstream = cancelUpstream;
  }

  /** Starts, or restarts, the request's silence limit. */
  void arm(long upstreamId) {
    long timer = vertx.setTimer(limitMillis, t -> timedOut(upstreamId));
    Long previous = timers.put(upstreamId, timer);
    if (previous != null) {
      vertx.cancelTimer(previous);
    }
  }

  /** Restarts the limit of a request that is still timed (something arrived for it). */
  void heard(long upstreamId) {
    if (timers.containsKey(upstreamId)) {
      arm(upstreamId);
    }
  }

  /** The request ended (answered, failed, abandoned): no limit any more. */
  void end(long upstreamId) {
    Long timer = timers.remove(upstreamId);
    if (timer != null) {
      vertx.cancelTimer(timer);
    }
  }

  private void timedOut(long upstreamId) {
    timers.remove(upstreamId);
    InFlightRequests.Entry entry = inFlight.remove(upstreamId);
    if (entry == null) {
      return;
    }
    GatewayException failure = new GatewayException(Failure.BACKEND_TIMEOUT, "backend '" + backend + "' did not answer in time");
    entry.replies().offer(new Outbound(null, ErrorResponder.asJsonRpc(failure, entry.clientId())));
    entry.replies().end();
    cancelUpstream.accept(new JsonRpcNotification(McpMethods.CANCELLED,
        JsonRpcCodec.object().put("requestId", upstreamId).put("reason", "timed out at the gateway")));
  }
}
