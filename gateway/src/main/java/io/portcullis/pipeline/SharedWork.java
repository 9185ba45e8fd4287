package io.portcullis.pipeline;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * Hands the outcome of work that several requests wait on (a token fetch, a JWKS refresh, a backend
 * session opened again) back to each waiting request's own Vert.x context.
 *
 * <p>A Vert.x future runs its listeners on the context it belongs to, or on the thread that
 * completed it: without this, every request that joined the work would continue on the event loop
 * of the request that started it, and write to its client's connection from a foreign thread
 * (handed over by Vert.x at the cost of a wake-up, and refused outright under strict thread mode).
 */
public final class SharedWork {
  private SharedWork() {
  }

  /**
   * The outcome of {@code shared}, delivered on the calling thread's context (as it is, for a
   * caller on no context). The returned future completes after {@code shared}, and its listeners
   * run on the caller's context.
   */
  public static <T> Future<T> forCaller(Future<T> shared) {
    Context caller = Vertx.currentContext();
    if (caller == null) {
      return shared;
    }
    Promise<T> handedBack = Promise.promise();
    shared.onComplete(outcome -> {
      if (Vertx.currentContext() == caller) {
        handedBack.handle(outcome);
      } else {
        caller.runOnContext(v -> handedBack.handle(outcome));
      }
    });
    return handedBack.future();
  }
}
