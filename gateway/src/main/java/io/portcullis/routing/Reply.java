package io.portcullis.routing;

import io.vertx.core.streams.ReadStream;

/**
 * What a backend sends back for one request or GET: a stream of messages for the client, and how
 * to present it. {@code abandon} is called when the gateway gives the stream up before it ends: a
 * GET stream the client closed, a list that took too long. A request's answer is not given up
 * because its client went away (a disconnection is no cancellation, the spec says).
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
