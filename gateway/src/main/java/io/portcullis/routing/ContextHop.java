package io.portcullis.routing;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.function.Supplier;

/**
 * Runs an action on the context that owns some state (a stdio process, a legacy SSE stream) and
 * completes back on the caller's context, where the caller's state lives. Already on the owner's
 * context, the action simply runs.
 */
final class ContextHop {
  private ContextHop() {
  }

  static <T> Future<T> on(Vertx vertx, Context owner, Supplier<Future<T>> action) {
    if (Vertx.currentContext() == owner) {
      return action.get();
    }
    Context caller = vertx.getOrCreateContext();
    Promise<T> result = Promise.promise();
    owner.runOnContext(v -> action.get().onComplete(r -> caller.runOnContext(x -> result.handle(r))));
    return result.future();
  }
}
