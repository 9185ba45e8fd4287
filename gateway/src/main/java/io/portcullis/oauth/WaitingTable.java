package io.portcullis.oauth;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.function.LongSupplier;

/**
 * Values waiting, under a random key, for a browser to come back with it: at most
 * {@code capacity}, each for the same lifetime. Keys are kept in the order they were added, which
 * is the order they expire in, so forgetting the expired ones looks only at the oldest.
 */
final class WaitingTable<V> {
  private record Entry<V>(V value, long expiresAt) {
  }

  private final int capacity;
  private final long lifetimeMillis;
  private final LongSupplier clock;
  private final LinkedHashMap<String, Entry<V>> entries = new LinkedHashMap<>();

  WaitingTable(int capacity, long lifetimeMillis) {
    this(capacity, lifetimeMillis, System::currentTimeMillis);
  }

  /** With {@code clock} telling the time in milliseconds (tests move it). */
  WaitingTable(int capacity, long lifetimeMillis, LongSupplier clock) {
    this.capacity = capacity;
    this.lifetimeMillis = lifetimeMillis;
    this.clock = clock;
  }

  /**
   * Adds {@code value} under {@code key}. With {@code capacity} values that have not expired
   * waiting, the oldest gives way (refusing newcomers instead would let anyone keep every sign-in
   * out with a trickle of their own); returns whether one did.
   */
  synchronized boolean add(String key, V value) {
    long now = clock.getAsLong();
    Iterator<Entry<V>> oldestFirst = entries.values().iterator();
    while (oldestFirst.hasNext() && oldestFirst.next().expiresAt() < now) {
      oldestFirst.remove();
    }
    boolean pushedOut = entries.size() >= capacity;
    if (pushedOut) {
      Iterator<Entry<V>> oldest = entries.values().iterator();
      oldest.next();
      oldest.remove();
    }
    entries.put(key, new Entry<>(value, now + lifetimeMillis));
    return pushedOut;
  }

  /** The value waiting under {@code key}, removed, or null when none is or it expired. */
  synchronized V take(String key) {
    Entry<V> entry = key == null ? null : entries.remove(key);
    return entry == null || entry.expiresAt() < clock.getAsLong() ? null : entry.value();
  }
}
