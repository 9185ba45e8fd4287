package io.portcullis.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
    AtomicInteger ran = new AtomicInteger();
    StreamSilence silence = StreamSilence.start(vertx, 150, ran::incrementAndGet);
    long talking = vertx.setPeriodic(30, id -> silence.heard());

    Thread.sleep(400);
    vertx.cancelTimer(talking);
    assertThat(ran).hasValue(0);

    Thread.sleep(400);
    assertThat(ran).hasValue(1);
  }

  @Test
  void aStoppedWatchNeverRuns(Vertx vertx) throws Exception {
    AtomicInteger ran = new AtomicInteger();
    StreamSilence silence = StreamSilence.start(vertx, 50, ran::incrementAndGet);
    silence.stop();

    Thread.sleep(200);
    assertThat(ran).hasValue(0);
  }
}
