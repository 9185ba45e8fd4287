package io.portcullis.audit;

import io.portcullis.config.AuditConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default sink: JSON lines in rotated files, written by one dedicated thread so that no event
 * loop waits on the disk. Up to {@code queueCapacity} records wait for the writer; past that,
 * records wait behind them in arrival order and their futures complete later, so a slow disk slows
 * requests down rather than losing records. With fsync {@code always} a future completes after the
 * record is forced to disk; with {@code interval}
 * or {@code never} it completes once the record is handed to the operating system. On opening, the
 * chain continues from the last record of the newest file in the directory. Records that arrive
 * together are written to their file with one system call, and share one force.
 *
 * <p>With {@code interval}, a second thread forces the open file once per interval while the
 * writer goes on writing: a record never waits behind a periodic fsync (which takes
 * milliseconds, and would put them into the answers' p99).
 */
public final class JsonLinesFileSink implements AuditSink {
  private static final Logger LOG = LoggerFactory.getLogger(JsonLinesFileSink.class);

  private enum Fsync { ALWAYS, INTERVAL, NEVER }

  private record Pending(AuditEvent event, Promise<Void> promise, Context context, Runnable afterwards) {}

  private final AuditFiles files;
  private final Fsync fsync;
  private final long fsyncIntervalNanos;
  private final int capacity;
  private final long rotateBytes;
  private final Duration rotateInterval;
  private final int retainFiles;
  private final Clock clock;

  private final Object lock = new Object();
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
  private final Promise<Void> closed = Promise.promise();
  private boolean closing;
  private volatile boolean writable = true;

  // Owned by the writer thread.
  private Path openFile;
  private Object openFileKey;
  private String prev;
  private long nextSequence;
  private volatile FileChannel channel;
  private long size;
  private Instant openedAt;
  private volatile boolean dirty;
  private Thread syncer;
  /** Runs just before each periodic force (tests make the disk slow with it). */
  volatile Runnable beforeIntervalForce = () -> { };

  private JsonLinesFileSink(AuditFiles files, AuditConfig config, Clock clock, String prev, long nextSequence) {
    this.files = files;
    this.fsync = switch (config.fsync()) {
      case AuditConfig.FSYNC_ALWAYS -> Fsync.ALWAYS;
      case AuditConfig.FSYNC_INTERVAL -> Fsync.INTERVAL;
      case AuditConfig.FSYNC_NEVER -> Fsync.NEVER;
      default -> throw new IllegalArgumentException("audit.fsync: must be always, interval or never, not " + config.fsync());
    };
    this.fsyncIntervalNanos = config.fsyncInterval().toNanos();
    this.capacity = config.queueCapacity();
    this.rotateBytes = config.rotateSize().bytes();
    this.rotateInterval = config.rotateInterval();
    this.retainFiles = config.retainFiles();
    this.clock = clock;
    this.prev = prev;
    this.nextSequence = nextSequence;
  }

  /**
   * Opens the sink on {@code directory} (created if missing) and starts its writer thread.
   *
   * @throws IOException if the directory cannot be read, or its newest record is damaged, so the
   *     chain could not be continued
   */
  public static JsonLinesFileSink open(Path directory, AuditConfig config, Clock clock) throws IOException {
    Files.createDirectories(directory);
    AuditFiles files = new AuditFiles(directory);
    List<Path> existing = files.list();
    String prev = files.lastHash(existing);
    long next = existing.isEmpty() ? 1 : AuditFiles.sequence(existing.get(existing.size() - 1)) + 1;
    JsonLinesFileSink sink = new JsonLinesFileSink(files, config, clock, prev, next);
    Thread writer = new Thread(sink::run, "portcullis-audit-writer");
    writer.setDaemon(true);
    writer.start();
    if (sink.fsync == Fsync.INTERVAL) {
      sink.syncer = new Thread(sink::syncPeriodically, "portcullis-audit-sync");
      sink.syncer.setDaemon(true);
      sink.syncer.start();
    }
    return sink;
  }

  @Override
  public Future<Void> record(AuditEvent event, Runnable afterwards) {
    Pending pending = new Pending(event, Promise.promise(), Vertx.currentContext(), afterwards);
    synchronized (lock) {
      if (closing) {
        Future<Void> refused = Future.failedFuture(new AuditWriteException("the audit sink on " + files.directory() + " is closed", null));
        Afterwards.run(afterwards);
        return refused;
      }
      if (queue.size() < capacity && waiting.isEmpty()) {
        queue.add(pending);
      } else {
        waiting.add(pending);
      }
      lock.notifyAll();
    }
    return pending.promise().future();
  }

  @Override
  public boolean writable() {
    return writable;
  }

  /** Records not yet written: those in the queue and those waiting for room in it. */
  public int backlog() {
    synchronized (lock) {
      return queue.size() + waiting.size();
    }
  }

  @Override
  public Future<Void> close() {
    synchronized (lock) {
      closing = true;
      lock.notifyAll();
    }
    return closed.future();
  }

  private void run() {
    List<Pending> batch = new ArrayList<>();
    while (true) {
      boolean stop;
      synchronized (lock) {
        try {
          awaitWork();
        } catch (InterruptedException e) {
          closing = true;
        }
        batch.addAll(queue);
        queue.clear();
        while (queue.size() < capacity && !waiting.isEmpty()) {
          queue.add(waiting.poll());
        }
        stop = closing && batch.isEmpty() && queue.isEmpty();
      }
      write(batch);
      // The answers were released by write(); what may come after them runs now, on this thread.
      for (Pending p : batch) {
        Afterwards.run(p.afterwards());
      }
      batch.clear();
      if (stop) {
        finish();
        return;
      }
    }
  }

  private void awaitWork() throws InterruptedException {
    while (queue.isEmpty() && !closing) {
      lock.wait();
    }
  }

  private void write(List<Pending> batch) {
    if (channel != null && !stillInPlace()) {
      // The open file was moved or deleted (its directory too, perhaps): records written to it now would be lost.
      LOG.warn("audit file {} is no longer in {}; opening a new one", openFile, files.directory());
      closeChannel();
    }
    List<Pending> written = new ArrayList<>();
    int next = 0;
    while (next < batch.size()) {
      // A group: the records that go into the same file, written with one system call.
      List<Pending> group = new ArrayList<>();
      List<byte[]> lines = new ArrayList<>();
      long groupBytes = 0;
      String hash = prev;
      for (; next < batch.size(); next++) {
        HashChain.Sealed sealed = HashChain.seal(batch.get(next).event(), hash);
        byte[] bytes = sealed.bytes();
        if (!fits(groupBytes, bytes.length)) {
          if (!group.isEmpty()) {
            break;
          }
          settle(written);
          closeChannel();
        }
        group.add(batch.get(next));
        lines.add(bytes);
        groupBytes += bytes.length;
        hash = sealed.hash();
      }
      try {
        append(lines, groupBytes);
        prev = hash;
        written.addAll(group);
      } catch (IOException e) {
        settle(written);
        writable = false;
        LOG.warn("{} audit record(s) from {} on not written: {}", group.size(), group.get(0).event().eventId(), e.toString());
        for (Pending p : group) {
          fail(p, new AuditWriteException("audit record " + p.event().eventId() + " could not be written to "
              + files.directory() + ": " + e, e));
        }
      }
    }
    settle(written);
  }

  /** Forces what was written if the policy asks for it, then completes or fails those records. */
  private void settle(List<Pending> written) {
    if (written.isEmpty()) {
      return;
    }
    IOException failure = null;
    // A null channel was closed by a failed write, and closing forced it.
    if (fsync == Fsync.ALWAYS && channel != null) {
      try {
        channel.force(false);
        dirty = false;
      } catch (IOException e) {
        failure = e;
      }
    }
    // Set before completing: a caller that sees its record succeed must also see the sink writable.
    writable = failure == null;
    if (failure == null) {
      completeAll(written);
    } else {
      for (Pending p : written) {
        fail(p, new AuditWriteException("audit record " + p.event().eventId() + " was written to "
            + files.directory() + " but could not be forced to disk: " + failure, failure));
      }
    }
    written.clear();
  }

  /**
   * Whether a record of {@code length} bytes still goes into the current file, after the
   * {@code staged} bytes of its group (a file that has nothing yet takes any record).
   */
  private boolean fits(long staged, int length) {
    long inFile = (channel == null ? 0 : size) + staged;
    if (inFile == 0) {
      return true;
    }
    if (inFile + length > rotateBytes) {
      return false;
    }
    return channel == null || clock.instant().isBefore(openedAt.plus(rotateInterval));
  }

  /** Appends the lines with one gathering write; on failure, cuts the file back to where they began. */
  private void append(List<byte[]> lines, long total) throws IOException {
    if (channel == null) {
      openNext();
    }
    long start = size;
    ByteBuffer[] buffers = new ByteBuffer[lines.size()];
    for (int i = 0; i < buffers.length; i++) {
      buffers[i] = ByteBuffer.wrap(lines.get(i));
    }
    try {
      long left = total;
      while (left > 0) {
        left -= channel.write(buffers);
      }
    } catch (IOException e) {
      // A torn line would break the chain for every record after it.
      try {
        channel.truncate(start);
      } catch (IOException truncateFailed) {
        e.addSuppressed(truncateFailed);
        closeChannel();
      }
      throw e;
    }
    size += total;
    dirty = true;
  }

  private void openNext() throws IOException {
    Instant now = clock.instant();
    Path file = files.name(nextSequence, now);
    try {
      Files.createDirectories(files.directory());
      channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      openFile = file;
      openFileKey = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    } catch (IOException e) {
      throw new IOException("cannot create audit file " + file + " (" + e + ")", e);
    }
    nextSequence++;
    size = 0;
    openedAt = now;
    try {
      files.prune(retainFiles);
    } catch (IOException e) {
      LOG.warn("old audit files in {} could not be removed: {}", files.directory(), e.toString());
    }
  }

  /** Whether the open file is still the one at its path (same file key: not moved, deleted or replaced). */
  private boolean stillInPlace() {
    try {
      Object key = Files.readAttributes(openFile, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
      return key == null || key.equals(openFileKey);
    } catch (IOException e) {
      return false;
    }
  }

  /** The sync thread: once per interval, forces the open file if something was written since. */
  private void syncPeriodically() {
    long intervalMillis = Math.max(1, fsyncIntervalNanos / 1_000_000);
    while (!closed.future().isComplete()) {
      try {
        Thread.sleep(intervalMillis);
      } catch (InterruptedException e) {
        return;
      }
      FileChannel open = channel;
      if (open == null || !dirty) {
        continue;
      }
      // Cleared first: a write racing with the force sets it again and is forced next time.
      dirty = false;
      try {
        beforeIntervalForce.run();
        open.force(false);
      } catch (java.nio.channels.ClosedChannelException e) {
        // Rotated or closed meanwhile: closing forced it.
      } catch (IOException e) {
        writable = false;
        LOG.warn("audit file in {} could not be forced to disk: {}", files.directory(), e.toString());
      }
    }
  }

  private void closeChannel() {
    if (channel == null) {
      return;
    }
    try {
      if (fsync != Fsync.NEVER && dirty) {
        channel.force(false);
      }
      channel.close();
    } catch (IOException e) {
      LOG.warn("audit file in {} did not close cleanly: {}", files.directory(), e.toString());
    }
    channel = null;
    dirty = false;
  }

  private void finish() {
    closeChannel();
    closed.tryComplete();
    if (syncer != null) {
      syncer.interrupt();
    }
  }

  /** Completes written records with one hand-off per event loop, however many of its records the batch holds. */
  private static void completeAll(List<Pending> written) {
    java.util.Map<Context, List<Pending>> byContext = new java.util.LinkedHashMap<>();
    for (Pending p : written) {
      byContext.computeIfAbsent(p.context(), c -> new ArrayList<>()).add(p);
    }
    byContext.forEach((context, mine) -> onCallersContext(context, () -> mine.forEach(p -> p.promise().complete())));
  }

  private static void fail(Pending p, Throwable cause) {
    onCallersContext(p.context(), () -> p.promise().fail(cause));
  }

  /** Runs {@code settle} where the record's caller waits: its Vert.x context, or here when it had none. */
  private static void onCallersContext(Context context, Runnable settle) {
    if (context == null) {
      settle.run();
    } else {
      context.runOnContext(v -> settle.run());
    }
  }
}
