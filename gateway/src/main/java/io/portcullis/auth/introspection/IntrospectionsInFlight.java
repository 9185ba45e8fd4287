package io.portcullis.auth.introspection;

import io.portcullis.auth.AuthOutcome;
import io.portcullis.pipeline.SharedWork;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The introspections under way, shared by the event loops. A token that several requests present
 * at once is checked once; and one peer address has at most {@code maxPerPeer} checks of different
 * tokens under way, so a flood of made-up tokens from one address (each a round trip to the
 * authorization server) cannot queue ahead of everybody else's and time them out.
 */
final class IntrospectionsInFlight {
  private final int maxPerPeer;
  private final ConcurrentHashMap<String, Future<AuthOutcome>> byToken = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Integer> byPeer = new ConcurrentHashMap<>();

  IntrospectionsInFlight(int maxPerPeer) {
    this.maxPerPeer = maxPerPeer;
  }

  /**
   * The outcome of checking the token {@code tokenKey} names, delivered on the caller's context:
   * joins the check under way, or starts one with {@code check}. Null when {@code peer} already
   * has its most checks under way: the caller refuses the request without asking.
   */
  Future<AuthOutcome> check(String tokenKey, String peer, Supplier<Future<AuthOutcome>> check) {
    Future<AuthOutcome> running = byToken.get(tokenKey);
    if (running != null) {
      return SharedWork.forCaller(running);
    }
    String address = peer == null ? "" : peer;
    if (!reserve(address)) {
      return null;
    }
    Promise<AuthOutcome> outcome = Promise.promise();
    running = byToken.putIfAbsent(tokenKey, outcome.future());
    if (running != null) {
      release(address);
      return SharedWork.forCaller(running);
    }
    check.get().onComplete(ar -> {
      byToken.remove(tokenKey);
      release(address);
      outcome.handle(ar);
    });
    return SharedWork.forCaller(outcome.future());
  }

  private boolean reserve(String peer) {
    boolean[] reserved = {false};
    byPeer.compute(peer, (key, count) -> {
      int now = count == null ? 0 : count;
      if (now >= maxPerPeer) {
        return count;
      }
      reserved[0] = true;
      return now + 1;
    });
    return reserved[0];
  }

  private void release(String peer) {
    byPeer.computeIfPresent(peer, (key, count) -> count <= 1 ? null : count - 1);
  }
}
