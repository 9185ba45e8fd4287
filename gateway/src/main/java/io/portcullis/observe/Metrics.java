package io.portcullis.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.ext.web.Router;

/**
 * The gateway's meters, scraped in Prometheus format at /metrics. One registry per gateway; each
 * part of the gateway records through the methods here, so meter names live in one place.
 */
public final class Metrics {
  /**
   * The buckets of every duration histogram here. Micrometer's own percentile histogram starts at
   * 1 ms, where a stage, a policy decision and an audit write (microseconds each) all fall into the
   * first bucket; this ladder (in microseconds) resolves them and still reaches a long tool call.
   */
  private static final java.time.Duration[] DURATION_BUCKETS = java.util.stream.LongStream.of(
      5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
      1_000_000, 2_500_000, 5_000_000, 10_000_000, 30_000_000, 60_000_000, 300_000_000)
      .mapToObj(micros -> java.time.Duration.ofNanos(micros * 1_000)).toArray(java.time.Duration[]::new);

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  /** Meters of the request path, built once per tag combination: a builder per request allocates more than the request. */
  private final java.util.Map<java.util.List<String>, Counter> requestCounters = new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.Map<String, io.micrometer.core.instrument.Timer> stageTimers = new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.Map<String, io.micrometer.core.instrument.Timer> policyTimers = new java.util.concurrent.ConcurrentHashMap<>();
  private io.micrometer.core.instrument.Timer auditWrite;

  public void mount(Router router) {
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        .end(registry.scrape()));
  }

  /** Counts a request refused by authentication, by cause (no_credential, expired, bad_signature, ...). */
  public void authenticationFailed(String cause) {
    Counter.builder("portcullis.auth.failures").description("Requests refused by authentication, by cause")
        .tag("cause", cause).register(registry).increment();
  }

  /** Shows a backend's circuit state (0 closed, 1 open, 2 half-open). */
  public void circuitState(String backend, java.util.function.Supplier<Number> state) {
    io.micrometer.core.instrument.Gauge.builder("portcullis.backend.circuit.state", state)
        .description("Circuit breaker state per backend: 0 closed, 1 open, 2 half-open")
        .tag("backend", backend).register(registry);
  }

  /** Counts a backend left out of a merged list because it did not answer within routing.listTimeout. */
  public void listTimedOut(String backend, String method) {
    Counter.builder("portcullis.backend.list.timeouts").description("Backends left out of a merged list for answering too late")
        .tag("backend", backend).tag("method", method).register(registry).increment();
  }

  /** Counts a failed call to a backend, by failure kind. */
  public void backendFailed(String backend, String failure) {
    Counter.builder("portcullis.backend.errors").description("Failed calls to backends, by kind")
        .tag("backend", backend).tag("failure", failure).register(registry).increment();
  }

  /** Counts an answered /mcp message and times its stages (microseconds per stage, "total" included). */
  public void request(String method, String backend, String decision, String outcome, java.util.Map<String, Long> stageMicros) {
    String m = method == null ? "-" : method;
    String b = backend == null ? "-" : backend;
    requestCounters.computeIfAbsent(java.util.List.of(m, b, decision, outcome), k -> Counter.builder("portcullis.requests")
        .description("Messages answered at /mcp, by method, backend, decision and outcome")
        .tag("method", m).tag("backend", b).tag("decision", decision).tag("outcome", outcome).register(registry)).increment();
    stageMicros.forEach((stage, micros) -> stageTimers.computeIfAbsent(stage, s -> io.micrometer.core.instrument.Timer
        .builder("portcullis.stage.duration").description("Time spent per pipeline stage").tag("stage", s)
        .serviceLevelObjectives(DURATION_BUCKETS).register(registry)).record(micros, java.util.concurrent.TimeUnit.MICROSECONDS));
  }

  /** Times one policy evaluation (a list's items count as one). */
  public void policyEvaluated(long nanos, String outcome) {
    policyTimers.computeIfAbsent(outcome, o -> io.micrometer.core.instrument.Timer.builder("portcullis.policy.evaluation")
        .description("Policy evaluation time").tag("outcome", o).serviceLevelObjectives(DURATION_BUCKETS).register(registry))
        .record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  public void auditWritten(long nanos) {
    io.micrometer.core.instrument.Timer timer = auditWrite;
    if (timer == null) {
      timer = io.micrometer.core.instrument.Timer.builder("portcullis.audit.write")
          .description("Time from queueing an audit record until its write is confirmed on the caller's event loop"
              + " (the hand-off to the writer thread and back included)")
          .serviceLevelObjectives(DURATION_BUCKETS)
          .register(registry);
      auditWrite = timer;
    }
    timer.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  public void auditFailed() {
    Counter.builder("portcullis.audit.failures").description("Audit records that could not be written").register(registry).increment();
  }

  /** Shows the audit records waiting for the writer. */
  public void auditBacklog(java.util.function.Supplier<Number> backlog) {
    io.micrometer.core.instrument.Gauge.builder("portcullis.audit.queue.depth", backlog)
        .description("Audit records waiting to be written").register(registry);
  }

  /** Shows open sessions and open SSE streams. */
  public void sessions(java.util.function.Supplier<Number> open, java.util.function.Supplier<Number> streams) {
    io.micrometer.core.instrument.Gauge.builder("portcullis.sessions.open", open).description("Open MCP sessions").register(registry);
    io.micrometer.core.instrument.Gauge.builder("portcullis.streams.open", streams).description("Open SSE streams to clients")
        .register(registry);
  }
}
