package io.portcullis.routing;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.mcp.JsonRpcNotification;
import io.portcullis.mcp.JsonRpcRequest;
import io.portcullis.mcp.JsonRpcResponse;
import io.vertx.core.Future;

/**
 * A backend's side of one gateway session. Messages go in with the client's ids and come back
 * out with the client's ids: the upstream id space belongs to the gateway.
 */
public interface UpstreamSession {
  /** The backend's answer to initialize (capabilities, server info, instructions). */
  JsonNode initializeResult();

  /** The protocol version agreed with the backend. */
  String protocolVersion();

  /**
   * The version to agree with a client that asked for {@code requested}. A per-session HTTP
   * backend has already agreed one with the client's request; a shared stdio backend leaves the
   * choice to the gateway.
   */
  String versionFor(String requested);

  /**
   * Sends a client's request. The future completes once the backend has started answering, with
   * the reply to relay (which ends with the response to this request), or fails with a
   * {@link io.portcullis.pipeline.GatewayException} when the backend could not be reached.
   */
  Future<Reply> request(JsonRpcRequest request);

  /** Forwards a client's notification; completes when the backend accepted it. */
  Future<Void> notify(JsonRpcNotification notification);

  /** Forwards the client's answer to a request the backend sent; the id is already the backend's. */
  Future<Void> respond(JsonRpcResponse response);

  /**
   * Opens the stream of messages the backend sends outside any request (the GET stream),
   * resuming after {@code lastEventId} when not null and the backend supports it.
   */
  Future<Reply> listen(String lastEventId);

  /** Ends the backend's side of the session; completes when done (never fails). */
  Future<Void> close();
}
