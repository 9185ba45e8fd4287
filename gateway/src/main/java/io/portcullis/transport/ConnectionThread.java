package io.portcullis.transport;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the writes to one client connection on that connection's event loop.
 *
 * <p>The gateway's server runs in Vert.x strict thread mode: a connection writes straight to its
 * socket instead of through a queue that any thread may fill, and a write from another thread
 * throws. Every path that hands work back to a request already returns to the request's context
 * ({@code SharedWork.forCaller}, {@code MessageQueue}, the audit writer's hand-back); this is the
 * net under the one nobody found: such a write hops to the connection's loop (what Vert.x would
 * otherwise do for every write) instead of failing and leaving its client waiting, and says so in
 * the log at debug level. A producer delivers all its items on one thread, so hopping keeps their
 * order.
 */
final class ConnectionThread {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionThread.class);
  private final Context context;
  /** The event loop the connection's context runs on; each request has a context of its own on it. */
  private final Thread loop;

  private ConnectionThread(Context context, Thread loop) {
    this.context = context;
    this.loop = loop;
  }

  /** The connection whose request the calling thread is handling (Vert.x runs request handlers on its loop). */
  static ConnectionThread current() {
    return new ConnectionThread(Vertx.currentContext(), Thread.currentThread());
  }

  /** Runs {@code write} now if on the connection's thread, else soon on it. */
  void run(Runnable write) {
    if (home()) {
      write.run();
    } else {
      context.runOnContext(v -> write.run());
    }
  }

  /** {@code handler}, run on the connection's thread whatever thread calls it. */
  <T> Handler<T> bind(Handler<T> handler) {
    return item -> run(() -> handler.handle(item));
  }

  /**
   * Starts {@code write} on the connection's thread; the future is the one it returns, or failed
   * with what it threw (hopped, a throw would otherwise reach no caller and the future never end).
   */
  <T> Future<T> call(Supplier<Future<T>> write) {
    if (home()) {
      return write.get();
    }
    Promise<T> result = Promise.promise();
    context.runOnContext(v -> {
      try {
        write.get().onComplete(result);
      } catch (RuntimeException e) {
        result.tryFail(e);
      }
    });
    return result.future();
  }

  private boolean home() {
    if (context == null || Thread.currentThread() == loop) {
      return true;
    }
    LOG.debug("a write to a client arrived on {}; handed to the connection's event loop", Thread.currentThread().getName());
    return false;
  }
}
