package io.portcullis.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.config.AuditConfig;
import io.portcullis.config.ByteSize;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class JsonLinesFileSinkTest {
  @TempDir
  Path dir;

  private final TestClock clock = new TestClock();
  private final List<JsonLinesFileSink> opened = new ArrayList<>();

  @AfterEach
  void closeSinks() throws Exception {
    for (JsonLinesFileSink sink : opened) {
      await(sink.close());
    }
  }

  private static AuditConfig config(String fsync, int queue, long rotateBytes, Duration rotateEvery, int retain) {
    return new AuditConfig(AuditConfig.FILE, null, fsync, Duration.ofMillis(50), queue,
        new ByteSize(rotateBytes), rotateEvery, retain, null, null, null, null);
  }

  private JsonLinesFileSink open(AuditConfig config) throws Exception {
    JsonLinesFileSink sink = JsonLinesFileSink.open(dir, config, clock);
    opened.add(sink);
    return sink;
  }

  private JsonLinesFileSink openDefault() throws Exception {
    return open(config(AuditConfig.FSYNC_ALWAYS, 16, 1 << 20, Duration.ofDays(1), 100));
  }

  private static void await(Future<Void> future) throws Exception {
    future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static void recordAll(AuditSink sink, String... ids) throws Exception {
    for (String id : ids) {
      await(sink.record(AuditEvents.toolCall(id)));
    }
  }

  /** Moves the directory aside and returns where it went. */
  private Path makeDirectoryUnwritable() throws Exception {
    // Runs as root in CI, where permissions do not stop writes: a file in the directory's place does.
    Path aside = dir.resolveSibling(dir.getFileName() + "-aside");
    Files.move(dir, aside);
    Files.writeString(dir, "not a directory");
    return aside;
  }

  private void restoreDirectory(Path aside) throws Exception {
    Files.delete(dir);
    Files.move(aside, dir);
  }

  private List<Path> files() throws Exception {
    return new AuditFiles(dir).list();
  }

  private List<String> eventIds() throws Exception {
    List<String> ids = new ArrayList<>();
    for (Path file : files()) {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        ids.add(HashChain.open(line).eventId());
      }
    }
    return ids;
  }

  private AuditVerifier.Result verify() throws Exception {
    return AuditVerifier.verify(files());
  }

  @Nested
  class TheChain {
    @Test
    void continuesAcrossFilesRotatedBySize() throws Exception {
      JsonLinesFileSink sink = open(config(AuditConfig.FSYNC_ALWAYS, 16, 1500, Duration.ofDays(1), 100));

      recordAll(sink, "e1", "e2", "e3", "e4", "e5");

      assertThat(files()).hasSizeGreaterThan(1);
      assertThat(eventIds()).containsExactly("e1", "e2", "e3", "e4", "e5");
      AuditVerifier.Result result = verify();
      assertThat(result.intact()).isTrue();
      assertThat(result.records()).isEqualTo(5);
      assertThat(result.startsAt()).isEqualTo(HashChain.GENESIS);
    }

    @Test
    void continuesAcrossFilesRotatedByTime() throws Exception {
      JsonLinesFileSink sink = open(config(AuditConfig.FSYNC_ALWAYS, 16, 1 << 20, Duration.ofHours(1), 100));

      recordAll(sink, "e1", "e2");
      clock.advance(Duration.ofMinutes(61));
      recordAll(sink, "e3");

      assertThat(files()).hasSize(2);
      assertThat(Files.readAllLines(files().get(1))).hasSize(1);
      assertThat(verify().intact()).isTrue();
    }

    @Test
    void continuesAfterARestartFromTheNewestFile() throws Exception {
      JsonLinesFileSink first = openDefault();
      recordAll(first, "e1", "e2");
      await(first.close());

      recordAll(openDefault(), "e3");

      assertThat(files()).hasSize(2);
      assertThat(eventIds()).containsExactly("e1", "e2", "e3");
      assertThat(verify().intact()).isTrue();
    }

    @Test
    void cutsOffALineWhoseWriteWasInterruptedBeforeContinuing() throws Exception {
      JsonLinesFileSink first = openDefault();
      recordAll(first, "e1", "e2");
      await(first.close());
      Path newest = files().get(files().size() - 1);
      Files.writeString(newest, "{\"time\":\"2025-", java.nio.file.StandardOpenOption.APPEND);

      recordAll(openDefault(), "e3");

      assertThat(eventIds()).containsExactly("e1", "e2", "e3");
      assertThat(verify().intact()).isTrue();
    }

    @Test
    void keepsOnlyTheNewestFilesAndTheRestStillVerifies() throws Exception {
      JsonLinesFileSink sink = open(config(AuditConfig.FSYNC_ALWAYS, 16, 1, Duration.ofDays(1), 3));

      recordAll(sink, "e1", "e2", "e3", "e4", "e5", "e6");

      assertThat(files()).hasSize(3);
      assertThat(eventIds()).containsExactly("e4", "e5", "e6");
      AuditVerifier.Result result = verify();
      assertThat(result.intact()).isTrue();
      assertThat(result.startsAt()).isNotEqualTo(HashChain.GENESIS);
    }
  }

  @Nested
  class AFullQueue {
    @Test
    void makesCallersWaitAndLosesNothing() throws Exception {
      JsonLinesFileSink sink = open(config(AuditConfig.FSYNC_ALWAYS, 2, 1 << 20, Duration.ofDays(1), 100));
      Queue<String> completed = new ConcurrentLinkedQueue<>();
      List<Future<Void>> futures = new CopyOnWriteArrayList<>();
      ExecutorService callers = Executors.newFixedThreadPool(8);
      try {
        for (int t = 0; t < 8; t++) {
          int thread = t;
          callers.submit(() -> {
            for (int i = 0; i < 50; i++) {
              String id = "t" + thread + "-" + i;
              futures.add(sink.record(AuditEvents.toolCall(id)).onSuccess(v -> completed.add(id)));
            }
          });
        }
      } finally {
        callers.shutdown();
        assertThat(callers.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
      }

      for (Future<Void> future : futures) {
        await(future);
      }

      assertThat(futures).hasSize(400);
      List<String> written = eventIds();
      // Every record, once; each caller's records in the order it sent them. (Completion order
      // is no witness: a callback added after its record was written runs on the caller's thread.)
      assertThat(written).hasSize(400).containsExactlyInAnyOrderElementsOf(completed);
      for (int t = 0; t < 8; t++) {
        String prefix = "t" + t + "-";
        assertThat(written.stream().filter(id -> id.startsWith(prefix)).toList())
            .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 50).mapToObj(i -> prefix + i).toList());
      }
      assertThat(verify().intact()).isTrue();
      assertThat(sink.backlog()).isZero();
    }
  }

  @Nested
  class FollowUps {
    private record Seen(String thread, boolean answerSettled, List<String> idsInTheFile) {}

    @Test
    void runOnTheWriterThreadOnceTheRecordIsInTheFileAndItsAnswerReleased() throws Exception {
      JsonLinesFileSink sink = openDefault();
      java.util.concurrent.CompletableFuture<Seen> seen = new java.util.concurrent.CompletableFuture<>();
      // The writer may be done before record() has returned: the follow-up waits to see its future.
      java.util.concurrent.CompletableFuture<Future<Void>> returned = new java.util.concurrent.CompletableFuture<>();
      Future<Void> recorded = sink.record(AuditEvents.toolCall("e1"), () -> {
        try {
          Future<Void> mine = returned.get(20, TimeUnit.SECONDS);
          seen.complete(new Seen(Thread.currentThread().getName(), mine.isComplete(), eventIds()));
        } catch (Exception e) {
          seen.completeExceptionally(e);
        }
      });
      returned.complete(recorded);
      await(recorded);

      Seen at = seen.get(20, TimeUnit.SECONDS);
      assertThat(at.thread()).isEqualTo("portcullis-audit-writer");
      assertThat(at.answerSettled()).as("the record's future was settled before the follow-up ran").isTrue();
      assertThat(at.idsInTheFile()).containsExactly("e1");
    }

    @Test
    void runAfterAFailedWriteAndAFailingOneHarmsNeitherTheChainNorLaterRecords() throws Exception {
      JsonLinesFileSink sink = open(config(AuditConfig.FSYNC_ALWAYS, 16, 1, Duration.ofDays(1), 100));
      recordAll(sink, "e1");
      Path aside = makeDirectoryUnwritable();
      java.util.concurrent.CountDownLatch ranAfterTheFailure = new java.util.concurrent.CountDownLatch(1);
      Future<Void> failed = sink.record(AuditEvents.toolCall("e2"), ranAfterTheFailure::countDown);
      assertThatThrownBy(() -> await(failed)).cause().isInstanceOf(AuditWriteException.class);
      assertThat(ranAfterTheFailure.await(20, TimeUnit.SECONDS)).isTrue();
      restoreDirectory(aside);

      await(sink.record(AuditEvents.toolCall("e3"), () -> {
        throw new IllegalStateException("a broken follow-up");
      }));
      recordAll(sink, "e4");

      assertThat(eventIds()).containsExactly("e1", "e3", "e4");
      assertThat(verify().intact()).isTrue();
    }
  }

  @Nested
  class AnUnwritableDirectory {
    @Test
    void failsTheRecordAndClearsWritableUntilAWriteSucceedsAgain() throws Exception {
      JsonLinesFileSink sink = open(config(AuditConfig.FSYNC_ALWAYS, 16, 1, Duration.ofDays(1), 100));
      recordAll(sink, "e1");
      Path aside = makeDirectoryUnwritable();

      Future<Void> failed = sink.record(AuditEvents.toolCall("e2"));
      assertThatThrownBy(() -> await(failed))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(AuditWriteException.class)
          .hasMessageContaining("e2")
          .hasMessageContaining(dir.toString());
      assertThat(sink.writable()).isFalse();

      restoreDirectory(aside);
      recordAll(sink, "e3");

      assertThat(sink.writable()).isTrue();
      assertThat(eventIds()).containsExactly("e1", "e3");
      assertThat(verify().intact()).isTrue();
    }

    @Test
    void recordsQueuedTogetherAllFailWithoutTouchingTheChainAndLaterOnesContinueIt() throws Exception {
      JsonLinesFileSink sink = openDefault();
      recordAll(sink, "e1");
      Path aside = makeDirectoryUnwritable();
      // Queued without waiting, so that the writer takes several of them in one group.
      List<Future<Void>> queued = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        queued.add(sink.record(AuditEvents.toolCall("lost-" + i)));
      }
      for (Future<Void> f : queued) {
        assertThatThrownBy(() -> await(f)).cause().isInstanceOf(AuditWriteException.class);
      }
      restoreDirectory(aside);
      recordAll(sink, "e2", "e3");

      assertThat(eventIds()).containsExactly("e1", "e2", "e3");
      assertThat(verify().intact()).isTrue();
    }
  }

  @Nested
  class ManyCallers {
    @Test
    void recordsFromManyThreadsAtOnceMakeOneIntactChainAcrossRotatedFiles() throws Exception {
      JsonLinesFileSink sink = open(config(AuditConfig.FSYNC_NEVER, 8, 20_000, Duration.ofDays(1), 1000));
      int threads = 4;
      int each = 300;
      List<Future<Void>> all = new CopyOnWriteArrayList<>();
      List<Thread> writers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int n = t;
        Thread writer = new Thread(() -> {
          for (int i = 0; i < each; i++) {
            all.add(sink.record(AuditEvents.toolCall("t" + n + "-" + i)));
          }
        });
        writer.start();
        writers.add(writer);
      }
      for (Thread w : writers) {
        w.join();
      }
      for (Future<Void> f : all) {
        await(f);
      }

      List<String> ids = eventIds();
      assertThat(ids).hasSize(threads * each).doesNotHaveDuplicates();
      assertThat(files()).hasSizeGreaterThan(1);
      AuditVerifier.Result result = verify();
      assertThat(result.intact()).isTrue();
      assertThat(result.records()).isEqualTo(threads * each);
    }
  }

  @Nested
  class FsyncInterval {
    @Test
    void aSlowPeriodicForceDoesNotHoldUpTheRecordsWrittenMeanwhile() throws Exception {
      JsonLinesFileSink sink = open(config(AuditConfig.FSYNC_INTERVAL, 16, 1 << 20, Duration.ofDays(1), 100));
      java.util.concurrent.CountDownLatch forcing = new java.util.concurrent.CountDownLatch(1);
      java.util.concurrent.CountDownLatch diskDone = new java.util.concurrent.CountDownLatch(1);
      sink.beforeIntervalForce = () -> {
        forcing.countDown();
        try {
          diskDone.await(10, TimeUnit.SECONDS); // a disk taking its time over the fsync
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      };
      recordAll(sink, "first");
      assertThat(forcing.await(5, TimeUnit.SECONDS)).as("the periodic force began").isTrue();

      long began = System.nanoTime();
      recordAll(sink, "second", "third");
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
      diskDone.countDown();

      assertThat(tookMillis).as("records written while the fsync is under way").isLessThan(2_000);
      assertThat(eventIds()).containsExactly("first", "second", "third");
      assertThat(sink.writable()).isTrue();
    }
  }

  @Nested
  class FsyncAlways {
    @Test
    void completesARecordOnlyOnceItsLineIsInTheFile() throws Exception {
      JsonLinesFileSink sink = openDefault();
      List<Boolean> onDiskAtCompletion = new CopyOnWriteArrayList<>();

      for (int i = 0; i < 20; i++) {
        String id = "e" + i;
        await(sink.record(AuditEvents.toolCall(id)).map(v -> {
          onDiskAtCompletion.add(fileContains(id));
          return null;
        }));
      }

      assertThat(onDiskAtCompletion).hasSize(20).containsOnly(true);
    }

    private boolean fileContains(String id) {
      try {
        return eventIds().contains(id);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Nested
  class Closing {
    @Test
    void writesEverythingQueuedThenRefusesNewRecords() throws Exception {
      JsonLinesFileSink sink = open(config(AuditConfig.FSYNC_NEVER, 4, 1 << 20, Duration.ofDays(1), 100));
      List<Future<Void>> futures = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        futures.add(sink.record(AuditEvents.toolCall("e" + i)));
      }

      await(sink.close());

      for (Future<Void> future : futures) {
        assertThat(future.succeeded()).isTrue();
      }
      assertThat(eventIds()).hasSize(50);
      assertThatThrownBy(() -> await(sink.record(AuditEvents.toolCall("late"))))
          .cause().isInstanceOf(AuditWriteException.class).hasMessageContaining("closed");
    }
  }

  /** A clock the test moves forward by hand. */
  static final class TestClock extends Clock {
    private volatile Instant now = Instant.parse("2025-01-02T03:04:05Z");

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
