package io.portcullis.routing;

import io.portcullis.config.BackendConfig;
import io.portcullis.config.PortcullisConfig;
import io.portcullis.config.RoutingConfig;
import io.portcullis.mcp.JsonRpcRequest;
import io.portcullis.observe.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every backend the configuration names, with the circuit breaker that guards each and the
 * {@link Mounts} that turn their names into the one catalog clients see.
 */
public final class Backends {
  private final Map<String, Backend> byName = new LinkedHashMap<>();
  private final Map<String, CircuitBreaker> circuits = new LinkedHashMap<>();
  private final Mounts mounts;
  private final RoutingConfig routing;
  private final Metrics metrics;

  public Backends(Vertx vertx, PortcullisConfig config, Metrics metrics) {
    this.routing = config.routing();
    this.metrics = metrics;
    this.mounts = new Mounts(config.backends(), routing.separator());
    for (BackendConfig b : config.backends()) {
      byName.put(b.name(), create(vertx, b, config.server().eventLoops()));
      CircuitBreaker circuit = new CircuitBreaker(routing.circuitFailures(), routing.circuitOpenFor().toMillis());
      circuits.put(b.name(), circuit);
      metrics.circuitState(b.name(), () -> circuit.state().ordinal());
    }
  }

  private static Backend create(Vertx vertx, BackendConfig b, int eventLoops) {
    if (b.http() != null) {
      return new HttpBackend(vertx, b.name(), b.http(), eventLoops);
    }
    if (b.sse() != null) {
      return new LegacySseBackend(vertx, b.name(), b.sse(), eventLoops);
    }
    return new StdioBackend(vertx, b.name(), b.stdio());
  }

  public Mounts mounts() {
    return mounts;
  }

  public RoutingConfig routing() {
    return routing;
  }

  public Metrics metrics() {
    return metrics;
  }

  /** Whether the named backend serves every gateway session from one process (see {@link Backend#sharedBySessions}). */
  public boolean sharedBySessions(String name) {
    Backend backend = byName.get(name);
    return backend != null && backend.sharedBySessions();
  }

  /** The backends' names, in configuration order. */
  public List<String> names() {
    return List.copyOf(byName.keySet());
  }

  public Future<Void> start() {
    return Future.all(byName.values().stream().map(Backend::start).toList()).mapEmpty();
  }

  /** Stops every backend; completes when all have stopped, whatever each one's outcome. */
  public Future<Void> stop() {
    return Future.join(byName.values().stream().map(Backend::stop).toList()).<Void>mapEmpty().otherwiseEmpty();
  }

  /**
   * Opens backend {@code name}'s side of a gateway session, through its circuit breaker. The
   * future completes with a session whose requests pass the breaker too, or fails with a
   * {@link io.portcullis.pipeline.GatewayException}.
   */
  public Future<UpstreamSession> open(String name, JsonRpcRequest initialize) {
    CircuitBreaker circuit = circuits.get(name);
    return GuardedUpstreamSession.guarded(name, circuit, metrics, () -> byName.get(name).open(initialize))
        .map(session -> new GuardedUpstreamSession(name, session, circuit, metrics));
  }

  /** Each backend's circuit state and consecutive failures, for /readyz. */
  public JsonObject status() {
    JsonObject status = new JsonObject();
    circuits.forEach((name, circuit) -> status.put(name, new JsonObject()
        .put("kind", kindOf(byName.get(name)))
        .put("circuit", circuit.state().name().toLowerCase().replace('_', '-'))
        .put("consecutiveFailures", circuit.consecutiveFailures())));
    return status;
  }

  private static String kindOf(Backend backend) {
    return backend instanceof HttpBackend ? "http" : backend instanceof LegacySseBackend ? "sse" : "stdio";
  }

  /** True unless every backend's circuit is open. */
  public boolean anyAvailable() {
    return circuits.values().stream().anyMatch(c -> c.state() != CircuitBreaker.State.OPEN);
  }
}
