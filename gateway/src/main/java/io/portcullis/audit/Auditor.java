package io.portcullis.audit;

import io.portcullis.config.AuditConfig;
import io.portcullis.observe.Metrics;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns each answered message's {@link AuditTrail} into its one audit record and writes it,
 * arguments redacted as configured. The caller waits for the write before the client sees the
 * answer, so every answer a client received has its record. With {@code audit.required} (the
 * default) the gateway refuses to run a tool while the sink cannot write.
 */
public final class Auditor {
  private static final Logger LOG = LoggerFactory.getLogger(Auditor.class);
  private static final Logger ACCESS = LoggerFactory.getLogger("portcullis.access");

  private final AuditSink sink;
  private final ArgumentRedactor redactor;
  private final boolean required;
  private final Metrics metrics;
  private final String sinkName;
  private final boolean accessLog;

  public Auditor(AuditSink sink, AuditConfig config, Metrics metrics) {
    this.sink = sink;
    this.redactor = new ArgumentRedactor(config.arguments(), config.redact());
    this.required = config.required();
    this.metrics = metrics;
    this.sinkName = config.sink();
    this.accessLog = config.accessLog();
    if (sink instanceof JsonLinesFileSink file) {
      metrics.auditBacklog(file::backlog);
    }
  }

  /**
   * Opens the configured sink: JSON lines under {@code audit.directory} (a relative one is taken
   * from PORTCULLIS_HOME, like the policy directory, else the working directory), or stdout.
   */
  public static AuditSink openSink(AuditConfig config) throws IOException {
    if (AuditConfig.STDOUT.equals(config.sink())) {
      return new StdoutSink();
    }
    String home = System.getenv("PORTCULLIS_HOME");
    Path directory = Path.of(home == null || home.isBlank() ? "" : home).toAbsolutePath().resolve(config.directory());
    return JsonLinesFileSink.open(directory, config, Clock.systemUTC());
  }

  /** Whether a tool must be refused now because its record could not be written. */
  public boolean refusesUnaudited() {
    return required && !sink.writable();
  }

  /** Whether a failed write must turn the client's answer into an error. */
  public boolean required() {
    return required;
  }

  /**
   * Writes the trail's record, once: a second call for the same trail completes at once. The
   * future fails with {@link AuditWriteException} when the record could not be written.
   */
  public Future<Void> record(AuditTrail trail, AuditEvent.Outcome outcome, Long bytesOut) {
    if (!trail.claim()) {
      return Future.succeededFuture();
    }
    AuditEvent event = trail.toEvent(redactor.apply(trail.arguments()), outcome, bytesOut);
    String backend = trail.backend();
    String decision = trail.verdict() == null ? null : trail.verdict().wireName();
    long started = System.nanoTime();
    // The access line is written by the sink's writer after the record (off the event loop); the
    // count is taken here meanwhile, so that /metrics has it by the time the client has its answer.
    Future<Void> written = sink.record(event, accessLog && ACCESS.isInfoEnabled() ? () -> logAccess(event, backend, decision, outcome) : null);
    metrics.request(event.method(), backend, decision == null ? "none" : decision, outcome.kind().wireName(),
        event.latencyMicros());
    return written
        .onSuccess(v -> metrics.auditWritten(System.nanoTime() - started))
        .onFailure(e -> {
          metrics.auditFailed();
          LOG.error("audit record {} for {} could not be written: {}", event.eventId(), event.method(), e.getMessage());
        });
  }

  private static void logAccess(AuditEvent event, String backend, String decision, AuditEvent.Outcome outcome) {
    ACCESS.info("{} {} {} {} {}{} trace={} {}us", event.method(), event.principal() == null ? "-" : event.principal().subject(),
        backend == null ? "-" : backend, decision == null ? "-" : decision, outcome.kind().wireName(),
        outcome.code() == null ? "" : " " + outcome.code(), event.traceId() == null ? "-" : event.traceId(),
        event.latencyMicros().get("total"));
  }

  /** The sink's state for /readyz. */
  public JsonObject status() {
    JsonObject status = new JsonObject().put("sink", sinkName).put("writable", sink.writable()).put("required", required);
    if (sink instanceof JsonLinesFileSink file) {
      status.put("backlog", file.backlog());
    }
    return status;
  }

  /** Whether the gateway can serve as far as the audit log is concerned. */
  public boolean ready() {
    return !required || sink.writable();
  }

  public Future<Void> close() {
    return sink.close();
  }
}
