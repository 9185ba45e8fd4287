package io.portcullis.policy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Waits, on Vert.x timers rather than sleeps, until a condition holds. */
final class Eventually {
  private static final long POLL_MILLIS = 25;

  private Eventually() {
  }

  /**
   * Completes when {@code check} completes with true; polls again on false; fails when a check
   * fails, or with {@code what} once {@code within} has passed.
   */
  static Future<Void> holds(Vertx vertx, Duration within, String what, Supplier<Future<Boolean>> check) {
    Promise<Void> done = Promise.promise();
    attempt(vertx, System.nanoTime() + within.toNanos(), what, check, done);
    return done.future();
  }

  /** Blocks the test thread until {@link #holds} completes. */
  static void await(Vertx vertx, Duration within, String what, Supplier<Future<Boolean>> check) throws Exception {
    holds(vertx, within, what, check).await(within.toMillis() + 5_000, TimeUnit.MILLISECONDS);
  }

  private static void attempt(Vertx vertx, long deadline, String what, Supplier<Future<Boolean>> check, Promise<Void> done) {
    check.get().onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
      } else if (Boolean.TRUE.equals(ar.result())) {
        done.complete();
      } else if (System.nanoTime() > deadline) {
        done.fail(new AssertionError("not within the time allowed: " + what));
      } else {
        vertx.setTimer(POLL_MILLIS, t -> attempt(vertx, deadline, what, check, done));
      }
    });
  }
}
