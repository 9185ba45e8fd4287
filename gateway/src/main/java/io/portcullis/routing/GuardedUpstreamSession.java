package io.portcullis.routing;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.mcp.JsonRpcNotification;
import io.portcullis.mcp.JsonRpcRequest;
import io.portcullis.mcp.JsonRpcResponse;
import io.portcullis.observe.Metrics;
import io.portcullis.pipeline.Failure;
import io.portcullis.pipeline.GatewayException;
import io.vertx.core.Future;

/**
 * An upstream session whose requests pass its backend's {@link CircuitBreaker}: refused at once
 * while the circuit is open, and counted as the backend's successes and failures.
 */
final class GuardedUpstreamSession implements UpstreamSession {
  private final String backend;
  private final UpstreamSession delegate;
  private final CircuitBreaker circuit;
  private final Metrics metrics;

  GuardedUpstreamSession(String backend, UpstreamSession delegate, CircuitBreaker circuit, Metrics metrics) {
    this.backend = backend;
    this.delegate = delegate;
    this.circuit = circuit;
    this.metrics = metrics;
  }

  /** Runs {@code call} if the circuit allows, recording how it went. */
  static <T> Future<T> guarded(String backend, CircuitBreaker circuit, Metrics metrics,
      java.util.function.Supplier<Future<T>> call) {
    if (!circuit.tryAcquire()) {
      metrics.backendFailed(backend, "circuit_open");
      return Future.failedFuture(new GatewayException(Failure.BACKEND_UNAVAILABLE, "backend '" + backend
          + "' is unavailable: its circuit is open after repeated failures; retry in "
          + Math.max(1, (circuit.millisUntilProbe() + 999) / 1000) + " s"));
    }
    return call.get().onComplete(r -> {
      if (r.succeeded()) {
        circuit.succeeded();
      } else if (countsAgainstBackend(r.cause())) {
        circuit.failed();
        metrics.backendFailed(backend, r.cause() instanceof GatewayException g ? g.failure().name().toLowerCase() : "unavailable");
      } else {
        circuit.released();
      }
    });
  }

  private static boolean countsAgainstBackend(Throwable e) {
    if (!(e instanceof GatewayException g)) {
      return true;
    }
    return g.failure() == Failure.BACKEND_UNAVAILABLE || g.failure() == Failure.BACKEND_TIMEOUT
        || g.failure() == Failure.BACKEND_REJECTED;
  }

  @Override
  public JsonNode initializeResult() {
    return delegate.initializeResult();
  }

  @Override
  public String protocolVersion() {
    return delegate.protocolVersion();
  }

  @Override
  public String versionFor(String requested) {
    return delegate.versionFor(requested);
  }

  @Override
  public Future<Reply> request(JsonRpcRequest request) {
    return guarded(backend, circuit, metrics, () -> delegate.request(request))
        .recover(e -> Future.failedFuture(e instanceof GatewayException g ? g.withRequestId(request.id()) : e));
  }

  @Override
  public Future<Void> notify(JsonRpcNotification notification) {
    return delegate.notify(notification);
  }

  @Override
  public Future<Void> respond(JsonRpcResponse response) {
    return delegate.respond(response);
  }

  @Override
  public Future<Reply> listen(String lastEventId) {
    return delegate.listen(lastEventId);
  }

  @Override
  public Future<Void> close() {
    return delegate.close();
  }
}
