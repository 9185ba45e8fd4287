package io.portcullis.routing;

import io.vertx.core.streams.ReadStream;

/**
 * What a backend sends back for one request or GET: a stream of messages for the client, and how
 * to present it. {@code abandon} is called if the client goes away before the stream ends.
 */
public record Reply(Mode mode, ReadStream<Outbound> messages, Runnable abandon) {
  /** How the client receives the reply. */
  public enum Mode {
    /** One message as an application/json body (the backend chose JSON). */
    JSON,
    /** A text/event-stream (the backend chose SSE, or a GET stream). */
    SSE,
    /** JSON if the first message is the final response, else SSE: the gateway chooses (stdio). */
    ADAPTIVE
  }
}
