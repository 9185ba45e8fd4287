package io.portcullis.routing;

import io.portcullis.auth.Principal;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which caller created each MCP task a backend runs, as learned from the backend's
 * CreateTaskResult answers: the authorization context a task is bound to. A task is keyed by its
 * backend and its id, and belongs to a caller as {@link Principal#sameCallerAs} defines one.
 *
 * <p>Bounded: a record ends with its task's ttl (none when the backend gave none), and when the
 * store is full the least recently used record is forgotten. A forgotten task is nobody's, so it
 * becomes unreachable through the gateway rather than reachable by everyone. Thread-safe: every
 * event loop records and checks here; each operation holds the lock for a map operation (or one
 * sweep when full), never for I/O.
 */
final class TaskOwners {
  private static final Logger LOG = LoggerFactory.getLogger(TaskOwners.class);

  private record Key(String backend, String taskId) {
  }

  /** {@code expiresAtMillis} is Long.MAX_VALUE for a task without ttl. */
  private record Owner(Principal principal, long expiresAtMillis) {
  }

  private final int capacity;
  private final LongSupplier clock;
  private final LinkedHashMap<Key, Owner> owners = new LinkedHashMap<>(64, 0.75f, true);

  TaskOwners(int capacity, LongSupplier clock) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1");
    }
    this.capacity = capacity;
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
    if (!owners.containsKey(key) && owners.size() >= capacity) {
      makeRoom(now);
    }
    owners.put(key, new Owner(owner, expires));
  }

  /** Whether task {@code taskId} on {@code backend} was created by {@code caller} and its record is still alive. */
  synchronized boolean belongsTo(String backend, String taskId, Principal caller) {
    Key key = new Key(backend, taskId);
    Owner owner = owners.get(key);
    if (owner == null) {
      return false;
    }
    if (owner.expiresAtMillis() <= clock.getAsLong()) {
      owners.remove(key);
      return false;
    }
    return owner.principal().sameCallerAs(caller);
  }

  synchronized int size() {
    return owners.size();
  }

  private void makeRoom(long now) {
    owners.values().removeIf(o -> o.expiresAtMillis() <= now);
    if (owners.size() < capacity) {
      return;
    }
    Iterator<Map.Entry<Key, Owner>> eldest = owners.entrySet().iterator();
    Map.Entry<Key, Owner> forgotten = eldest.next();
    eldest.remove();
    // Not the task id: for a backend that does not bind tasks itself, the id is all it takes to reach one.
    LOG.warn("task store full ({} tasks): the least recently used task of backend '{}' is forgotten and no longer"
        + " reachable through the gateway", capacity, forgotten.getKey().backend());
  }

  private static long saturatedSum(long a, long b) {
    long sum = a + b;
    return sum < a ? Long.MAX_VALUE : sum;
  }
}
