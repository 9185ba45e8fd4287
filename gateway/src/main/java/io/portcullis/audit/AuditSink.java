package io.portcullis.audit;

import io.vertx.core.Future;

/**
 * Where audit records go. Records are written in the order their futures complete, each chained to
 * the one before it (see {@link HashChain}); a record is never dropped.
 */
public interface AuditSink {
  /**
   * Queues one record. The future completes once the record is written as durably as the sink's
   * fsync policy promises, on the caller's Vert.x context if it had one; it fails with
   * {@link AuditWriteException} if the record could not be written (nothing was written then, and
   * the chain is unchanged). While the writer is behind, the future simply completes later.
   */
  default Future<Void> record(AuditEvent event) {
    return record(event, null);
  }

  /**
   * Queues one record like {@link #record(AuditEvent)}, and runs {@code afterwards} (if not null)
   * once the record's write was attempted, whether or not it succeeded, on the thread that wrote it
   * and after the sink released the record's future (completed it, or handed its completion to the
   * caller's context): for work about the request that its answer need
   * not wait for, such as the access log. It must not block, and its failures are only logged.
   */
  Future<Void> record(AuditEvent event, Runnable afterwards);

  /** False after a write failed, until a later write succeeds; {@code /readyz} reports it. */
  boolean writable();

  /** Writes and forces every record already queued, then releases the sink; later records fail. */
  Future<Void> close();
}
