package io.portcullis.routing;

/**
 * Stops calling a backend that keeps failing. Closed, it lets every call through and counts
 * consecutive failures; at {@code threshold} it opens and refuses calls for {@code openMillis};
 * then it lets one call through as a probe (half-open): success closes it, failure opens it again.
 * Thread-safe: sessions on different event loops share a backend's breaker.
 */
public final class CircuitBreaker {
  /** The breaker's state, as /readyz and /metrics show it. */
  public enum State { CLOSED, OPEN, HALF_OPEN }

  private final int threshold;
  private final long openMillis;
  private State state = State.CLOSED;
  private int failures;
  private long openUntil;
  private boolean probing;

  public CircuitBreaker(int threshold, long openMillis) {
    this.threshold = threshold;
    this.openMillis = openMillis;
  }

  /** Whether a call may go out now; a true answer in the half-open state makes that call the probe. */
  public synchronized boolean tryAcquire() {
    if (state == State.OPEN && System.currentTimeMillis() >= openUntil) {
      state = State.HALF_OPEN;
      probing = false;
    }
    if (state == State.HALF_OPEN) {
      if (probing) {
        return false;
      }
      probing = true;
    }
    return state != State.OPEN;
  }

  public synchronized void succeeded() {
    failures = 0;
    probing = false;
    state = State.CLOSED;
  }

  public synchronized void failed() {
    failures++;
    probing = false;
    if (state == State.HALF_OPEN || failures >= threshold) {
      state = State.OPEN;
      openUntil = System.currentTimeMillis() + openMillis;
    }
  }

  /** A call ended in a way that says nothing of the backend's health; a probe may be sent again. */
  public synchronized void released() {
    probing = false;
  }

  public synchronized State state() {
    if (state == State.OPEN && System.currentTimeMillis() >= openUntil) {
      return State.HALF_OPEN;
    }
    return state;
  }

  public synchronized int consecutiveFailures() {
    return failures;
  }

  /** Milliseconds until an open breaker lets a probe through (0 when it would now). */
  public synchronized long millisUntilProbe() {
    return state == State.OPEN ? Math.max(0, openUntil - System.currentTimeMillis()) : 0;
  }
}
