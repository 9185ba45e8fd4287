package io.portcullis.auth.fetch;

import io.portcullis.Sha256;
import io.portcullis.auth.Principal;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Principals that a remote-verifying provider already established, keyed by the SHA-256 of the
 * token (the token itself is never kept), each until a deadline no later than the token's expiry.
 * Bounded: the least recently used entry goes first. Thread-safe; operations are O(1) and never
 * block for long.
 */
public final class TokenCache {
  private record Entry(Principal principal, Instant until) {
  }

  private final int maxEntries;
  private final Clock clock;
  private final LinkedHashMap<String, Entry> entries;

  public TokenCache(int maxEntries, Clock clock) {
    this.maxEntries = maxEntries;
    this.clock = clock;
    this.entries = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
        return size() > TokenCache.this.maxEntries;
      }
    };
  }

  /** The cache key of a token: its SHA-256, hex-encoded. */
  public static String keyOf(String token) {
    return Sha256.hex(token);
  }

  /** The principal cached under {@code key} whose deadline has not passed, or null. */
  public synchronized Principal get(String key) {
    Entry entry = entries.get(key);
    if (entry == null) {
      return null;
    }
    if (!clock.instant().isBefore(entry.until())) {
      entries.remove(key);
      return null;
    }
    return entry.principal();
  }

  /** Caches {@code principal} under {@code key} until {@code until}, unless that is already past. */
  public synchronized void put(String key, Principal principal, Instant until) {
    if (maxEntries > 0 && until != null && clock.instant().isBefore(until)) {
      entries.put(key, new Entry(principal, until));
    }
  }

  public synchronized int size() {
    return entries.size();
  }
}
