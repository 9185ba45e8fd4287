package io.portcullis.pipeline;

import io.vertx.core.Future;

/**
 * One step of the /mcp pipeline. A stage either enriches the exchange and passes it on, or fails
 * the future with a {@link GatewayException} that the pipeline turns into the client's error.
 */
public interface Stage {
  /** Where this stage sits; {@link Pipeline.Builder} refuses stages out of order. */
  Phase phase();

  /**
   * Applies this stage. The future completes with the exchange for the next stage (the same or a
   * copy with more filled in), or fails with a {@link GatewayException}.
   */
  Future<Exchange> apply(Exchange exchange);

  /**
   * Whether this stage is given a batch whole rather than element by element. The pipeline
   * splits a batch before the first stage that is not.
   */
  default boolean takesWholeBatch() {
    return false;
  }
}
