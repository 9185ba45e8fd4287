package io.portcullis.routing;

import io.vertx.core.Vertx;

/**
 * Watches a backend's answer stream for silence: when nothing arrived for {@code limitMillis},
 * {@code onSilence} runs (once). One timer at a time, re-armed for what is left of the limit
 * when it fires early, so that hearing from the backend costs a field write, not a timer.
 * {@link #stop()} when the stream ends: the watch then holds nothing of the stream.
 *
 * <p>Vert.x's request idle timeout is no substitute once the response has begun: set then, its
 * timer outlives the finished stream and keeps the request (and what it reaches) for the whole
 * limit, which with a 5-minute limit and 1,000 streamed answers a second is 300,000 requests.
 */
final class StreamSilence {
  private final Vertx vertx;
  private final long limitNanos;
  private Runnable onSilence;
  private volatile long lastHeard;
  private long timer;

  private StreamSilence(Vertx vertx, long limitMillis, Runnable onSilence) {
    this.vertx = vertx;
    this.limitNanos = limitMillis * 1_000_000;
    this.onSilence = onSilence;
    this.lastHeard = System.nanoTime();
    this.timer = vertx.setTimer(limitMillis, this::check);
  }

  /** Starts watching now; call on the stream's context. */
  static StreamSilence start(Vertx vertx, long limitMillis, Runnable onSilence) {
    return new StreamSilence(vertx, limitMillis, onSilence);
  }

  /** Something arrived on the stream. */
  void heard() {
    lastHeard = System.nanoTime();
  }

  /** The stream ended: no more checks, and the stream is no longer reachable from here. */
  void stop() {
    vertx.cancelTimer(timer);
    onSilence = null;
  }

  private void check(long id) {
    Runnable action = onSilence;
    if (action == null) {
      return;
    }
    long silentFor = System.nanoTime() - lastHeard;
    if (silentFor >= limitNanos) {
      onSilence = null;
      action.run();
    } else {
      timer = vertx.setTimer(Math.max(1, (limitNanos - silentFor) / 1_000_000), this::check);
    }
  }
}
