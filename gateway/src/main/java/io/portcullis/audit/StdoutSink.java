package io.portcullis.audit;

import io.vertx.core.Future;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The same lines as {@link JsonLinesFileSink}, written to standard output for a container's log
 * shipper. Each process starts a new chain (there is no earlier record it can read back), so a
 * verifier sees one chain per process start. Lines are written on the caller's thread, since a
 * log shipper reads stdout faster than a disk is forced; the future is already complete.
 */
public final class StdoutSink implements AuditSink {
  private final PrintStream out;
  private String prev = HashChain.GENESIS;
  private boolean closed;
  private volatile boolean writable = true;

  public StdoutSink() {
    this(System.out);
  }

  StdoutSink(OutputStream out) {
    this.out = out instanceof PrintStream p ? p : new PrintStream(out, false, StandardCharsets.UTF_8);
  }

  @Override
  public Future<Void> record(AuditEvent event, Runnable afterwards) {
    Future<Void> written = write(event);
    Afterwards.run(afterwards);
    return written;
  }

  private synchronized Future<Void> write(AuditEvent event) {
    if (closed) {
      return Future.failedFuture(new AuditWriteException("the stdout audit sink is closed", null));
    }
    HashChain.Sealed sealed = HashChain.seal(event, prev);
    out.write(sealed.bytes(), 0, sealed.bytes().length);
    out.flush();
    if (out.checkError()) {
      writable = false;
      return Future.failedFuture(new AuditWriteException(
          "audit record " + event.eventId() + " could not be written to standard output", null));
    }
    prev = sealed.hash();
    writable = true;
    return Future.succeededFuture();
  }

  @Override
  public boolean writable() {
    return writable;
  }

  @Override
  public synchronized Future<Void> close() {
    closed = true;
    out.flush();
    return Future.succeededFuture();
  }
}
