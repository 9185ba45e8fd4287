package io.portcullis.routing;

import io.portcullis.mcp.JsonRpcMessage;

/**
 * A message on its way to the client, with the SSE event id and retry delay the backend gave it
 * (each may be null). A null message is an event that carries only an id (a stream's priming
 * event, which lets the client resume).
 */
public record Outbound(String eventId, JsonRpcMessage message, Long retryMillis) {
  public Outbound(String eventId, JsonRpcMessage message) {
    this(eventId, message, null);
  }
}
