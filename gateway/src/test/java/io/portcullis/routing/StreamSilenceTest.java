package io.portcullis.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class StreamSilenceTest {

  @Test
  void silenceForTheLimitRunsTheActionOnce(Vertx vertx) throws Exception {
    Promise<Long> ran = Promise.promise();
    long began = System.nanoTime();
    StreamSilence.start(vertx, 100, () -> ran.complete(System.nanoTime() - began));

    assertThat(TimeUnit.NANOSECONDS.toMillis(ran.future().await(5, TimeUnit.SECONDS))).isGreaterThanOrEqualTo(100);
  }

  @Test
  void hearingFromTheStreamPushesTheLimitBack(Vertx vertx) throws Exception {
    AtomicLong lastHeard = new AtomicLong();
    Promise<Long> ran = Promise.promise();
    StreamSilence[] silence = new StreamSilence[1];
    AtomicInteger beats = new AtomicInteger();
    vertx.runOnContext(v -> {
      silence[0] = StreamSilence.start(vertx, 150, () -> ran.complete(System.nanoTime()));
      // The stream talks every 30 ms for ten beats (300 ms, twice the limit), then falls silent.
      vertx.setPeriodic(30, id -> {
        lastHeard.set(System.nanoTime());
        silence[0].heard();
        if (beats.incrementAndGet() == 10) {
          vertx.cancelTimer(id);
        }
      });
    });

    long ranAt = ran.future().await(5, TimeUnit.SECONDS);

    assertThat(beats).hasValue(10);
    assertThat(TimeUnit.NANOSECONDS.toMillis(ranAt - lastHeard.get())).isGreaterThanOrEqualTo(150);
  }

  @Test
  void aStoppedWatchNeverRuns(Vertx vertx) throws Exception {
    AtomicInteger ran = new AtomicInteger();
    StreamSilence silence = StreamSilence.start(vertx, 50, ran::incrementAndGet);
    silence.stop();

    // Nothing to wait for but time: four times the limit.
    vertx.timer(200).await(5, TimeUnit.SECONDS);
    assertThat(ran).hasValue(0);
  }
}
