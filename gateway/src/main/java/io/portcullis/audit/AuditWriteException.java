package io.portcullis.audit;

/** An audit record could not be written; the message names the sink and the cause. */
public final class AuditWriteException extends RuntimeException {
  public AuditWriteException(String message, Throwable cause) {
    super(message, cause);
  }
}
