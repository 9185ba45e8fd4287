package io.portcullis.routing;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayDeque;

/**
 * A {@link ReadStream} fed by a producer that may run on another thread (a stdio reader, another
 * event loop): items are handed over on the consumer's context, in order, honouring
 * pause/resume/fetch. {@link #offer} returns false above the high-water mark so that a producer
 * that can pause (an HTTP response) does; {@code whenWritable} tells it when to resume. A producer
 * that cannot pause (a shared stdio process) is bounded by {@code hardLimit}: beyond it the
 * stream fails rather than buffering without end.
 */
public final class MessageQueue<T> implements ReadStream<T> {
  private final Context context;
  private final int highWater;
  private final int hardLimit;
  private final ArrayDeque<T> queue = new ArrayDeque<>();
  private Handler<T> handler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;
  private Runnable whenWritable;
  private long demand = Long.MAX_VALUE;
  private boolean ended;
  private boolean terminated;
  private boolean full;
  private Throwable failure;

  public MessageQueue(Context context, int highWater, int hardLimit) {
    this.context = context;
    this.highWater = highWater;
    this.hardLimit = hardLimit;
  }

  /** A queue owned by the calling thread's Vert.x context. */
  public static <T> MessageQueue<T> onCurrentContext(Vertx vertx) {
    return new MessageQueue<>(vertx.getOrCreateContext(), 32, 10_000);
  }

  /**
   * Adds an item. Called on the queue's context, returns false when the consumer is behind and a
   * pausable producer should pause until {@link #whenWritable}; called from elsewhere, the item is
   * handed over asynchronously and the answer is always true.
   */
  public boolean offer(T item) {
    if (Vertx.currentContext() != context) {
      context.runOnContext(v -> add(item));
      return true;
    }
    add(item);
    return !full;
  }

  private void add(T item) {
    if (ended) {
      return;
    }
    if (queue.size() >= hardLimit) {
      // A consumer that stopped reading would never reach a failure queued behind its backlog.
      queue.clear();
      ended = true;
      failure = new IllegalStateException("the client is not reading; " + hardLimit + " messages were waiting");
      terminate();
      return;
    }
    queue.add(item);
    drain();
  }

  /** Ends the stream after the items already offered. */
  public void end() {
    onContext(() -> {
      ended = true;
      drain();
    });
  }

  /** Fails the stream after the items already offered. */
  public void fail(Throwable cause) {
    onContext(() -> {
      if (!ended) {
        ended = true;
        failure = cause;
      }
      drain();
    });
  }

  public boolean isEnded() {
    return ended;
  }

  /** Called on the producer's behalf when the queue drains below the high-water mark. */
  public MessageQueue<T> whenWritable(Runnable callback) {
    this.whenWritable = callback;
    return this;
  }

  private void onContext(Runnable action) {
    if (Vertx.currentContext() == context) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }

  private void drain() {
    while (demand > 0 && handler != null && !queue.isEmpty()) {
      T item = queue.poll();
      if (demand != Long.MAX_VALUE) {
        demand--;
      }
      handler.handle(item);
    }
    boolean wasFull = full;
    full = queue.size() >= highWater;
    if (wasFull && !full && whenWritable != null) {
      whenWritable.run();
    }
    if (ended && queue.isEmpty() && handler != null) {
      terminate();
    }
  }

  /** Tells the consumer the stream is over, once it has said how it wants to hear that. */
  private void terminate() {
    if (terminated) {
      return;
    }
    if (failure != null && exceptionHandler != null) {
      terminated = true;
      exceptionHandler.handle(failure);
    } else if (failure == null && endHandler != null) {
      terminated = true;
      endHandler.handle(null);
    }
  }

  @Override
  public MessageQueue<T> exceptionHandler(Handler<Throwable> h) {
    onContext(() -> {
      this.exceptionHandler = h;
      if (failure != null && queue.isEmpty()) {
        terminate();
      }
    });
    return this;
  }

  @Override
  public MessageQueue<T> handler(Handler<T> h) {
    onContext(() -> {
      this.handler = h;
      drain();
    });
    return this;
  }

  @Override
  public MessageQueue<T> pause() {
    onContext(() -> demand = 0);
    return this;
  }

  @Override
  public MessageQueue<T> resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public MessageQueue<T> fetch(long amount) {
    onContext(() -> {
      demand = amount == Long.MAX_VALUE || demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
      drain();
    });
    return this;
  }

  @Override
  public MessageQueue<T> endHandler(Handler<Void> h) {
    onContext(() -> {
      this.endHandler = h;
      drain();
    });
    return this;
  }
}
