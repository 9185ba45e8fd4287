package io.portcullis.routing;

import io.portcullis.mcp.JsonRpcMessage;

/** A message on its way to the client, with the SSE event id the backend gave it (or null). */
public record Outbound(String eventId, JsonRpcMessage message) {
}
