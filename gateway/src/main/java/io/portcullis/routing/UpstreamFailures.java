package io.portcullis.routing;

import io.portcullis.pipeline.Failure;
import io.portcullis.pipeline.GatewayException;
import java.util.concurrent.TimeoutException;

/** Turns what went wrong talking to a backend into the client's failure, naming the backend. */
final class UpstreamFailures {
  private UpstreamFailures() {
  }

  static GatewayException of(String backend, Throwable cause) {
    if (cause instanceof GatewayException e) {
      return e;
    }
    if (cause instanceof TimeoutException) {
      return new GatewayException(Failure.BACKEND_TIMEOUT, "backend '" + backend + "' did not answer in time", cause);
    }
    return new GatewayException(Failure.BACKEND_UNAVAILABLE, "backend '" + backend + "' is unavailable", cause);
  }
}
