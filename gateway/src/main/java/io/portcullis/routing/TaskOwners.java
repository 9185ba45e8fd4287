package io.portcullis.routing;

import io.portcullis.auth.Principal;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which caller created each MCP task a backend runs, as learned from the backend's
 * CreateTaskResult answers: the authorization context a task is bound to. A task is keyed by its
 * backend and its id, and belongs to a caller as {@link Principal#sameCallerAs} defines one.
 *
 * <p>Bounded: a record ends with its task's ttl (none when the backend gave none); a caller holds
 * at most {@code perCaller} records, past which its own least recently used is forgotten (so one
 * caller creating tasks without end cannot push out everyone else's); when the store is full the
 * least recently used record of anyone is forgotten. A forgotten task is nobody's, so it becomes
 * unreachable through the gateway rather than reachable by everyone. Thread-safe: every event
 * loop records and checks here; each operation holds the lock for a map operation (or one sweep
 * when full), never for I/O.
 */
final class TaskOwners {
  private static final Logger LOG = LoggerFactory.getLogger(TaskOwners.class);

  private record Key(String backend, String taskId) {
  }

  /** What {@link Principal#sameCallerAs} compares, as a map key. */
  private record Caller(String provider, String issuer, String subject) {
    static Caller of(Principal principal) {
      return new Caller(principal.provider(), principal.issuer(), principal.subject());
    }
  }

  /** {@code expiresAtMillis} is Long.MAX_VALUE for a task without ttl. */
  private record Owner(Principal principal, Caller caller, long expiresAtMillis) {
  }

  private final int capacity;
  private final int perCaller;
  private final LongSupplier clock;
  private final LinkedHashMap<Key, Owner> owners = new LinkedHashMap<>(64, 0.75f, true);
  private final Map<Caller, Integer> held = new HashMap<>();

  TaskOwners(int capacity, int perCaller, LongSupplier clock) {
    if (capacity < 1 || perCaller < 1) {
      throw new IllegalArgumentException("capacity and perCaller must be at least 1");
    }
    this.capacity = capacity;
    this.perCaller = perCaller;
    this.clock = clock;
  }

  /**
   * Records that {@code owner} created task {@code taskId} on {@code backend}, for {@code ttlMillis}
   * from now (null or not positive: until forgotten for room). A task id the backend gives again
   * (a restarted process that counts from 1) belongs to its newest creator.
   */
  synchronized void record(String backend, String taskId, Principal owner, Long ttlMillis) {
    long now = clock.getAsLong();
    long expires = ttlMillis == null || ttlMillis <= 0 ? Long.MAX_VALUE : saturatedSum(now, ttlMillis);
    Key key = new Key(backend, taskId);
    Caller caller = Caller.of(owner);
    forget(key);
    if (held.getOrDefault(caller, 0) >= perCaller) {
      removeIf(o -> o.caller().equals(caller) && o.expiresAtMillis() <= now);
    }
    if (held.getOrDefault(caller, 0) >= perCaller) {
      forgetLeastRecentlyUsed(o -> o.caller().equals(caller), "its creator holds " + perCaller + " tasks, the most one caller may");
    } else if (owners.size() >= capacity) {
      removeIf(o -> o.expiresAtMillis() <= now);
      if (owners.size() >= capacity) {
        forgetLeastRecentlyUsed(o -> true, "the gateway holds " + capacity + " tasks, the most it may");
      }
    }
    owners.put(key, new Owner(owner, caller, expires));
    held.merge(caller, 1, Integer::sum);
  }

  /** Whether task {@code taskId} on {@code backend} was created by {@code caller} and its record is still alive. */
  synchronized boolean belongsTo(String backend, String taskId, Principal caller) {
    Key key = new Key(backend, taskId);
    Owner owner = owners.get(key);
    if (owner == null) {
      return false;
    }
    if (owner.expiresAtMillis() <= clock.getAsLong()) {
      forget(key);
      return false;
    }
    return owner.principal().sameCallerAs(caller);
  }

  synchronized int size() {
    return owners.size();
  }

  private void forget(Key key) {
    Owner removed = owners.remove(key);
    if (removed != null) {
      released(removed);
    }
  }

  private void removeIf(Predicate<Owner> which) {
    for (Iterator<Owner> it = owners.values().iterator(); it.hasNext(); ) {
      Owner owner = it.next();
      if (which.test(owner)) {
        it.remove();
        released(owner);
      }
    }
  }

  private void forgetLeastRecentlyUsed(Predicate<Owner> among, String why) {
    for (Iterator<Map.Entry<Key, Owner>> it = owners.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Key, Owner> eldest = it.next();
      if (among.test(eldest.getValue())) {
        it.remove();
        released(eldest.getValue());
        // Not the task id: for a backend that does not bind tasks itself, the id is all it takes to reach one.
        LOG.warn("a task of backend '{}' is forgotten and no longer reachable through the gateway: {}", eldest.getKey().backend(), why);
        return;
      }
    }
  }

  private void released(Owner owner) {
    held.computeIfPresent(owner.caller(), (c, n) -> n == 1 ? null : n - 1);
  }

  private static long saturatedSum(long a, long b) {
    long sum = a + b;
    return sum < a ? Long.MAX_VALUE : sum;
  }
}
