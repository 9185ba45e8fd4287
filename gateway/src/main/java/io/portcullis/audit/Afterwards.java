package io.portcullis.audit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs a record's follow-up ({@link AuditSink#record(AuditEvent, Runnable)}): a failure there never reaches the sink. */
final class Afterwards {
  private static final Logger LOG = LoggerFactory.getLogger(Afterwards.class);

  private Afterwards() {
  }

  static void run(Runnable afterwards) {
    if (afterwards == null) {
      return;
    }
    try {
      afterwards.run();
    } catch (Throwable e) {
      // Whatever it was, the writer thread must live on: every later record depends on it.
      LOG.warn("a follow-up of an audit record failed: {}", e.toString());
    }
  }
}
