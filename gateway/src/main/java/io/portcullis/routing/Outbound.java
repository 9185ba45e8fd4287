package io.portcullis.routing;

import io.portcullis.mcp.JsonRpcCodec;
import io.portcullis.mcp.JsonRpcMessage;
import io.vertx.core.buffer.Buffer;

/**
 * A message on its way to the client, with the SSE event id and retry delay the backend gave it
 * (each may be null), and its encoding once something has encoded it (else null). A null message is an event that carries only an id (a stream's priming
 * event, which lets the client resume).
 */
public record Outbound(String eventId, JsonRpcMessage message, Long retryMillis, Buffer encoded) {
  public Outbound(String eventId, JsonRpcMessage message, Long retryMillis) {
    this(eventId, message, retryMillis, null);
  }

  public Outbound(String eventId, JsonRpcMessage message) {
    this(eventId, message, null, null);
  }

  /** The message's JSON bytes: encoded once, by whoever needed them first (the audit record counts them). */
  public Buffer bytes() {
    return encoded != null ? encoded : JsonRpcCodec.encode(message);
  }

  /** This message carrying its encoding, so that it is not encoded again when written. */
  public Outbound withEncoded(Buffer bytes) {
    return new Outbound(eventId, message, retryMillis, bytes);
  }
}
