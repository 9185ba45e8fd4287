package io.portcullis.config;

import java.time.Duration;

/**
 * The audit log. {@code sink}: {@code file} (default: JSON lines under {@code directory}) or
 * {@code stdout} (for container log shipping). {@code fsync}: {@code always} (default: a record
 * counts as written only once it is forced to disk), {@code interval} (forced every
 * {@code fsyncInterval}) or {@code never}. {@code queueCapacity} bounds the records waiting for the
 * writer; past it, requests wait. A file is rotated past {@code rotateSize} or {@code rotateInterval},
 * and the newest {@code retainFiles} are kept. {@code required: true} (default) refuses tools/call
 * while the sink cannot write. {@code arguments}: {@code record} (default; values at the
 * {@code redact} paths replaced), {@code digest} (a SHA-256 only) or {@code omit}.
 * {@code accessLog: true} also logs one INFO line per request (logger {@code portcullis.access}),
 * written by the audit writer after the request's record; off by default: the record already says
 * everything the line does, and the line costs CPU on every call (see benchmarks/README.md).
 */
public record AuditConfig(
    String sink,
    String directory,
    String fsync,
    Duration fsyncInterval,
    Integer queueCapacity,
    ByteSize rotateSize,
    Duration rotateInterval,
    Integer retainFiles,
    Boolean required,
    String arguments,
    java.util.List<String> redact,
    Boolean accessLog) {
  public static final String FILE = "file";
  public static final String STDOUT = "stdout";
  public static final String FSYNC_ALWAYS = "always";
  public static final String FSYNC_INTERVAL = "interval";
  public static final String FSYNC_NEVER = "never";

  public AuditConfig {
    sink = sink == null ? FILE : sink;
    directory = directory == null ? "audit" : directory;
    fsync = fsync == null ? FSYNC_ALWAYS : fsync;
    fsyncInterval = fsyncInterval == null ? Duration.ofSeconds(1) : fsyncInterval;
    queueCapacity = queueCapacity == null ? 4096 : queueCapacity;
    rotateSize = rotateSize == null ? ByteSize.ofMebibytes(64) : rotateSize;
    rotateInterval = rotateInterval == null ? Duration.ofDays(1) : rotateInterval;
    retainFiles = retainFiles == null ? 30 : retainFiles;
    required = required == null || required;
    arguments = arguments == null ? "record" : arguments;
    redact = redact == null ? java.util.List.of() : java.util.List.copyOf(redact);
    accessLog = accessLog != null && accessLog;
  }

  /** The defaults: a file sink under {@code audit/}, fsync per record. */
  public static AuditConfig defaults() {
    return new AuditConfig(null, null, null, null, null, null, null, null, null, null, null, null);
  }
}
