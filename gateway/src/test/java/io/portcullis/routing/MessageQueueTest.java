package io.portcullis.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
class MessageQueueTest {
  private Context context;
  private final List<String> received = new ArrayList<>();

  @BeforeEach
  void createContext(Vertx vertx) {
    context = vertx.getOrCreateContext();
  }

  /** Runs the body on the queue's context, then completes the test. */
  private void onContext(VertxTestContext test, ThrowingRunnable body) {
    context.runOnContext(v -> test.verify(() -> {
      body.run();
      test.completeNow();
    }));
  }

  private interface ThrowingRunnable {
    void run() throws Throwable;
  }

  private MessageQueue<String> queue(int highWater, int hardLimit) {
    return new MessageQueue<>(context, highWater, hardLimit);
  }

  private static void offerAll(MessageQueue<String> queue, String... items) {
    for (String item : items) {
      queue.offer(item);
    }
  }

  @Nested
  class Delivery {
    @Test
    void itemsAreDeliveredInTheOrderOffered(VertxTestContext test) {
      onContext(test, () -> {
        MessageQueue<String> queue = queue(32, 1000);
        queue.handler(received::add);
        offerAll(queue, "a", "b", "c");
        assertThat(received).containsExactly("a", "b", "c");
      });
    }

    @Test
    void itemsOfferedBeforeTheHandlerIsSetAreKeptForIt(VertxTestContext test) {
      onContext(test, () -> {
        MessageQueue<String> queue = queue(32, 1000);
        offerAll(queue, "a", "b");
        queue.handler(received::add);
        assertThat(received).containsExactly("a", "b");
      });
    }

    @Test
    void pauseHoldsItemsAndFetchReleasesExactlyTheAmountAsked(VertxTestContext test) {
      onContext(test, () -> {
        MessageQueue<String> queue = queue(32, 1000);
        queue.handler(received::add);
        queue.pause();
        offerAll(queue, "a", "b", "c", "d", "e");
        assertThat(received).isEmpty();

        queue.fetch(2);
        assertThat(received).containsExactly("a", "b");

        queue.fetch(1);
        assertThat(received).containsExactly("a", "b", "c");

        queue.resume();
        assertThat(received).containsExactly("a", "b", "c", "d", "e");
      });
    }

    @Test
    void demandFetchedAheadIsSpentOnLaterItems(VertxTestContext test) {
      onContext(test, () -> {
        MessageQueue<String> queue = queue(32, 1000);
        queue.handler(received::add);
        queue.pause();
        queue.fetch(2);
        offerAll(queue, "a", "b", "c");
        assertThat(received).containsExactly("a", "b");
      });
    }

    @Test
    void offersFromAThreadOutsideVertxArriveOnTheQueuesContextInOrder(VertxTestContext test) {
      MessageQueue<String> queue = queue(32, 100_000);
      List<String> items = IntStream.range(0, 2_000).mapToObj(Integer::toString).toList();
      List<String> arrived = new CopyOnWriteArrayList<>();
      AtomicInteger offContext = new AtomicInteger();
      queue.handler(item -> {
        if (Vertx.currentContext() != context) {
          offContext.incrementAndGet();
        }
        arrived.add(item);
      });
      queue.endHandler(v -> test.verify(() -> {
        assertThat(Vertx.currentContext()).isSameAs(context);
        assertThat(offContext).hasValue(0);
        assertThat(arrived).containsExactlyElementsOf(items);
        test.completeNow();
      }));

      Thread producer = new Thread(() -> {
        for (String item : items) {
          if (!queue.offer(item)) {
            test.failNow("an offer from outside Vert.x must always be accepted");
          }
        }
        queue.end();
      }, "test-producer");
      producer.start();
    }
  }

  @Nested
  class BackPressure {
    @Test
    void offerOnTheContextReturnsFalseOnceTheHighWaterMarkIsReached(VertxTestContext test) {
      onContext(test, () -> {
        MessageQueue<String> queue = queue(3, 1000);
        queue.handler(received::add);
        queue.pause();

        assertThat(queue.offer("a")).isTrue();
        assertThat(queue.offer("b")).isTrue();
        assertThat(queue.offer("c")).isFalse();
        assertThat(queue.offer("d")).isFalse();
      });
    }

    @Test
    void offerStaysTrueWhileTheConsumerKeepsUp(VertxTestContext test) {
      onContext(test, () -> {
        MessageQueue<String> queue = queue(2, 1000);
        queue.handler(received::add);
        for (int i = 0; i < 10; i++) {
          assertThat(queue.offer("item-" + i)).isTrue();
        }
      });
    }

    @Test
    void whenWritableRunsOnceWhenTheQueueDrainsBelowTheHighWaterMark(VertxTestContext test) {
      onContext(test, () -> {
        AtomicInteger writable = new AtomicInteger();
        MessageQueue<String> queue = queue(3, 1000).whenWritable(writable::incrementAndGet);
        queue.handler(received::add);
        queue.pause();
        offerAll(queue, "a", "b", "c", "d");
        assertThat(writable).hasValue(0);

        queue.fetch(1);
        assertThat(writable).as("still at the mark with 3 waiting").hasValue(0);

        queue.fetch(1);
        assertThat(writable).as("2 waiting, below the mark").hasValue(1);

        queue.resume();
        assertThat(writable).as("already writable, not told again").hasValue(1);
        assertThat(received).containsExactly("a", "b", "c", "d");
      });
    }

    @Test
    void whenWritableIsNotRunIfTheMarkWasNeverReached(VertxTestContext test) {
      onContext(test, () -> {
        AtomicInteger writable = new AtomicInteger();
        MessageQueue<String> queue = queue(3, 1000).whenWritable(writable::incrementAndGet);
        queue.handler(received::add);
        queue.pause();
        offerAll(queue, "a", "b");
        queue.resume();
        assertThat(writable).hasValue(0);
      });
    }
  }

  @Nested
  class Termination {
    @Test
    void endDeliversTheItemsAlreadyOfferedAndThenCallsTheEndHandler(VertxTestContext test) {
      onContext(test, () -> {
        MessageQueue<String> queue = queue(32, 1000);
        offerAll(queue, "a", "b");
        queue.end();
        queue.endHandler(v -> received.add("(end)"));
        queue.exceptionHandler(e -> received.add("(failed)"));
        queue.handler(received::add);
        assertThat(received).containsExactly("a", "b", "(end)");
        assertThat(queue.isEnded()).isTrue();
      });
    }

    @Test
    void aPausedQueueEndsOnlyAfterItsItemsAreFetched(VertxTestContext test) {
      onContext(test, () -> {
        MessageQueue<String> queue = queue(32, 1000);
        queue.endHandler(v -> received.add("(end)"));
        queue.handler(received::add);
        queue.pause();
        offerAll(queue, "a", "b");
        queue.end();
        assertThat(received).isEmpty();

        queue.fetch(1);
        assertThat(received).containsExactly("a");

        queue.fetch(1);
        assertThat(received).containsExactly("a", "b", "(end)");
      });
    }

    @Test
    void itemsOfferedAfterEndAreDropped(VertxTestContext test) {
      onContext(test, () -> {
        MessageQueue<String> queue = queue(32, 1000);
        queue.endHandler(v -> received.add("(end)"));
        queue.handler(received::add);
        queue.offer("a");
        queue.end();
        queue.offer("late");
        assertThat(received).containsExactly("a", "(end)");
      });
    }

    @Test
    void failDeliversTheItemsAlreadyOfferedAndThenCallsTheExceptionHandler(VertxTestContext test) {
      IllegalStateException cause = new IllegalStateException("backend died");
      onContext(test, () -> {
        MessageQueue<String> queue = queue(32, 1000);
        List<Throwable> failures = new ArrayList<>();
        offerAll(queue, "a");
        queue.fail(cause);
        queue.endHandler(v -> received.add("(end)"));
        queue.exceptionHandler(e -> {
          received.add("(failed)");
          failures.add(e);
        });
        queue.handler(received::add);
        assertThat(received).containsExactly("a", "(failed)");
        assertThat(failures).containsExactly(cause);
      });
    }

    @Test
    void endAndFailFromAnotherThreadComeAfterItemsOfferedBeforeThem(VertxTestContext test) {
      MessageQueue<String> queue = queue(32, 1000);
      IllegalStateException cause = new IllegalStateException("gone");
      List<String> arrived = new CopyOnWriteArrayList<>();
      queue.handler(arrived::add);
      queue.exceptionHandler(e -> test.verify(() -> {
        assertThat(e).isSameAs(cause);
        assertThat(arrived).containsExactly("a", "b");
        test.completeNow();
      }));
      new Thread(() -> {
        queue.offer("a");
        queue.offer("b");
        queue.fail(cause);
      }, "test-producer").start();
    }

    @Test
    void theHardLimitFailsTheStreamWithoutWaitingForAConsumerThatStoppedReading(VertxTestContext test) {
      onContext(test, () -> {
        MessageQueue<String> queue = queue(2, 3);
        List<Throwable> failures = new ArrayList<>();
        queue.exceptionHandler(failures::add);
        queue.handler(received::add);
        queue.pause();
        offerAll(queue, "1", "2", "3", "4");

        assertThat(queue.isEnded()).isTrue();
        assertThat(failures).as("the consumer is told at once").hasSize(1);
      });
    }

    @Test
    void itemsBeyondTheHardLimitAreNeverDelivered(VertxTestContext test) {
      onContext(test, () -> {
        MessageQueue<String> queue = queue(2, 3);
        queue.exceptionHandler(e -> received.add("(failed)"));
        queue.handler(received::add);
        queue.pause();
        offerAll(queue, "1", "2", "3", "4", "5");
        queue.resume();

        assertThat(received).doesNotContain("4", "5").endsWith("(failed)");
      });
    }
  }
}
