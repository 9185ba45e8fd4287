package io.portcullis.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.mcp.JsonRpcCodec;
import io.portcullis.mcp.JsonRpcMessage;
import io.portcullis.mcp.JsonRpcNotification;
import io.portcullis.mcp.JsonRpcRequest;
import io.portcullis.mcp.JsonRpcResponse;
import io.portcullis.mcp.McpMethods;

/**
 * Rewrites ids between a client's id space and the gateway's upstream id space: request ids,
 * progress tokens, cancelled request ids, and the ids of requests a backend sends to clients.
 */
final class IdTranslator {
  private final String backend;
  private final InFlightRequests inFlight;

  IdTranslator(String backend, InFlightRequests inFlight) {
    this.backend = backend;
    this.inFlight = inFlight;
  }

  /** The client's request as sent upstream: the gateway's id, and its progress token if one was asked for. */
  JsonRpcRequest requestToUpstream(JsonRpcRequest request, long upstreamId) {
    LongNode id = LongNode.valueOf(upstreamId);
    JsonNode meta = request.params() == null ? null : request.params().get("_meta");
    if (meta == null || !meta.has("progressToken")) {
      return request.withId(id);
    }
    ObjectNode params = JsonRpcCodec.object();
    params.setAll(request.params());
    ObjectNode newMeta = JsonRpcCodec.object();
    newMeta.setAll((ObjectNode) meta);
    newMeta.set("progressToken", id);
    params.set("_meta", newMeta);
    return new JsonRpcRequest(id, request.method(), params);
  }

  /** The client's progress token in a request's params, or null. */
  static JsonNode progressToken(JsonRpcRequest request) {
    JsonNode meta = request.params() == null ? null : request.params().get("_meta");
    return meta == null ? null : meta.get("progressToken");
  }

  /** The client's cancellation as sent upstream, or null if the request is no longer in flight. */
  JsonRpcNotification cancelToUpstream(JsonRpcNotification cancelled, Object owner) {
    JsonNode requestId = cancelled.params() == null ? null : cancelled.params().get("requestId");
    InFlightRequests.Entry entry = requestId == null ? null : inFlight.findByClientId(owner, requestId);
    if (entry == null) {
      return null;
    }
    ObjectNode params = JsonRpcCodec.object();
    params.setAll(cancelled.params());
    params.put("requestId", entry.upstreamId());
    return cancelled.withParams(params);
  }

  /** The client's answer to a relayed request, with the backend's own id, or null if not ours. */
  JsonRpcResponse responseToUpstream(JsonRpcResponse response) {
    return RelayedIds.decode(response.id())
        .filter(origin -> origin.backend().equals(backend))
        .map(origin -> response.withId(origin.upstreamId()))
        .orElse(null);
  }

  /**
   * A backend's message as the client must see it, or null when it answers nothing in flight
   * (a late answer to a request the gateway already gave up on).
   */
  JsonRpcMessage toClient(JsonRpcMessage message) {
    if (message instanceof JsonRpcResponse response) {
      InFlightRequests.Entry entry = response.id().canConvertToLong() ? inFlight.get(response.id().asLong()) : null;
      return entry == null ? null : response.withId(entry.clientId());
    }
    if (message instanceof JsonRpcRequest request) {
      return request.withId(RelayedIds.encode(backend, request.id()));
    }
    JsonRpcNotification notification = (JsonRpcNotification) message;
    ObjectNode params = notification.params();
    if (params == null) {
      return notification;
    }
    if (McpMethods.PROGRESS.equals(notification.method()) && params.path("progressToken").canConvertToLong()) {
      InFlightRequests.Entry entry = inFlight.get(params.get("progressToken").asLong());
      if (entry == null || entry.clientProgressToken() == null) {
        return null;
      }
      ObjectNode mapped = JsonRpcCodec.object();
      mapped.setAll(params);
      mapped.set("progressToken", entry.clientProgressToken());
      return notification.withParams(mapped);
    }
    if (McpMethods.CANCELLED.equals(notification.method()) && params.has("requestId")) {
      ObjectNode mapped = JsonRpcCodec.object();
      mapped.setAll(params);
      mapped.set("requestId", RelayedIds.encode(backend, params.get("requestId")));
      return notification.withParams(mapped);
    }
    return notification;
  }

  /** The in-flight entry a backend message belongs to (response id or progress token), or null. */
  InFlightRequests.Entry owningRequest(JsonRpcMessage message) {
    if (message instanceof JsonRpcResponse response) {
      return response.id().canConvertToLong() ? inFlight.get(response.id().asLong()) : null;
    }
    if (message instanceof JsonRpcNotification n && McpMethods.PROGRESS.equals(n.method()) && n.params() != null
        && n.params().path("progressToken").canConvertToLong()) {
      return inFlight.get(n.params().get("progressToken").asLong());
    }
    return null;
  }
}
