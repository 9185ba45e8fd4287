package io.portcullis.auth.introspection;

import io.portcullis.auth.AuthOutcome;
import io.portcullis.auth.RejectionCause;
import io.portcullis.pipeline.SharedWork;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The introspections under way, shared by the event loops. A token that several requests present
 * at once is checked once. One client address (an IPv6 client's /64) has at most
 * {@code maxPerPeer} checks of different tokens under way; as many more wait, first come first
 * served, for at most the provider's timeout, and any beyond those are refused at once. So a flood
 * of made-up tokens from one address (each a round trip to the authorization server) cannot queue
 * ahead of other addresses' requests, while a burst of real users behind one address waits its
 * turn instead of failing. Behind a reverse proxy every client has the proxy's address: raise
 * {@code maxInFlightPerPeer} there.
 */
final class IntrospectionsInFlight {
  private final Vertx vertx;
  private final int maxPerPeer;
  private final long waitMillis;
  private final Object lock = new Object();
  private final Map<String, Future<AuthOutcome>> byToken = new HashMap<>();
  private final Map<String, Peer> byPeer = new HashMap<>();

  /** One address's checks under way and those waiting for a slot. */
  private static final class Peer {
    int underWay;
    final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  }

  IntrospectionsInFlight(Vertx vertx, int maxPerPeer, long waitMillis) {
    this.vertx = vertx;
    this.maxPerPeer = maxPerPeer;
    this.waitMillis = waitMillis;
  }

  /**
   * The outcome of checking the token {@code tokenKey} names, delivered on the caller's context:
   * joins the check under way, starts one with {@code check}, or waits for {@code peer} to have a
   * free slot. Completes with PROVIDER_UNREACHABLE (unavailable) when the peer's waiting line is
   * full or the wait outlasts the timeout.
   */
  Future<AuthOutcome> check(String tokenKey, String peer, Supplier<Future<AuthOutcome>> check) {
    String address = addressOf(peer);
    Promise<AuthOutcome> outcome = Promise.promise();
    Runnable start = () -> check.get().onComplete(ar -> {
      Runnable next;
      synchronized (lock) {
        byToken.remove(tokenKey);
        next = release(address);
      }
      if (next != null) {
        next.run();
      }
      outcome.handle(ar);
    });
    boolean startNow;
    synchronized (lock) {
      Future<AuthOutcome> running = byToken.get(tokenKey);
      if (running != null) {
        return SharedWork.forCaller(running);
      }
      Peer slots = byPeer.computeIfAbsent(address, a -> new Peer());
      if (slots.underWay < maxPerPeer) {
        slots.underWay++;
        startNow = true;
      } else if (slots.waiting.size() < maxPerPeer) {
        startNow = false;
        queue(slots, tokenKey, address, start, outcome);
      } else {
        return Future.succeededFuture(refusal(address, "its line of " + maxPerPeer + " waiting is full"));
      }
      byToken.put(tokenKey, outcome.future());
    }
    if (startNow) {
      start.run();
    }
    return SharedWork.forCaller(outcome.future());
  }

  /** Queues {@code start} (run on this caller's context when a slot frees) and gives up after the wait. Called holding the lock. */
  private void queue(Peer slots, String tokenKey, String address, Runnable start, Promise<AuthOutcome> outcome) {
    var context = vertx.getOrCreateContext();
    Runnable whenFree = () -> context.runOnContext(v -> start.run());
    slots.waiting.add(whenFree);
    vertx.setTimer(waitMillis, t -> {
      boolean gaveUp;
      synchronized (lock) {
        gaveUp = slots.waiting.remove(whenFree);
        if (gaveUp) {
          byToken.remove(tokenKey);
          if (slots.underWay == 0 && slots.waiting.isEmpty()) {
            byPeer.remove(address);
          }
        }
      }
      if (gaveUp) {
        outcome.complete(refusal(address, "no check of its finished within " + waitMillis + " ms"));
      }
    });
  }

  /** Frees one of {@code address}'s slots and hands it to the next waiting check, returned to be started. Called holding the lock. */
  private Runnable release(String address) {
    Peer slots = byPeer.get(address);
    Runnable next = slots.waiting.poll();
    if (next == null) {
      slots.underWay--;
      if (slots.underWay == 0) {
        byPeer.remove(address);
      }
    }
    return next;
  }

  private AuthOutcome refusal(String address, String why) {
    return new AuthOutcome.Rejected(RejectionCause.PROVIDER_UNREACHABLE,
        maxPerPeer + " token checks from " + address + " are under way and " + why, true);
  }

  /** The address checks are counted by: an IPv4 address as it is, an IPv6 address's /64 (one host can use them all). */
  static String addressOf(String peer) {
    if (peer == null) {
      return "";
    }
    if (peer.indexOf(':') < 0) {
      return peer;
    }
    try {
      byte[] bytes = InetAddress.getByName(peer).getAddress();
      if (bytes.length != 16) {
        return peer;
      }
      StringBuilder prefix = new StringBuilder();
      for (int i = 0; i < 8; i += 2) {
        prefix.append(Integer.toHexString(((bytes[i] & 0xff) << 8) | (bytes[i + 1] & 0xff))).append(':');
      }
      return prefix.append(":/64").toString();
    } catch (UnknownHostException e) {
      return peer;
    }
  }
}
