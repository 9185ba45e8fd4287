package io.portcullis.routing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Requests the gateway has sent upstream and not yet seen answered, keyed by the upstream id the
 * gateway assigned. Upstream ids are unique per backend, so two clients' ids never cross.
 */
final class InFlightRequests {
  /**
   * One request on its way: who asked ({@code owner}, a session), with which id and progress
   * token, and where the answer goes; {@code resultOfTask} is the task a tasks/result waits for.
   */
  record Entry(long upstreamId, Object owner, JsonNode clientId, JsonNode clientProgressToken,
      MessageQueue<Outbound> replies, String method, String resultOfTask) {
    Entry(long upstreamId, Object owner, JsonNode clientId, JsonNode clientProgressToken, MessageQueue<Outbound> replies) {
      this(upstreamId, owner, clientId, clientProgressToken, replies, null, null);
    }

    Entry(long upstreamId, Object owner, JsonNode clientId, JsonNode clientProgressToken, MessageQueue<Outbound> replies,
        String method) {
      this(upstreamId, owner, clientId, clientProgressToken, replies, method, null);
    }

    /** Whether this is a list whose answer policy must filter (which happens only on its own stream). */
    boolean isList() {
      return method != null && method.endsWith("/list") && !method.equals("roots/list");
    }
  }

  private final AtomicLong nextId = new AtomicLong(1);
  private final Map<Long, Entry> byUpstreamId = new ConcurrentHashMap<>();

  long nextUpstreamId() {
    return nextId.getAndIncrement();
  }

  void add(Entry entry) {
    byUpstreamId.put(entry.upstreamId(), entry);
  }

  Entry get(long upstreamId) {
    return byUpstreamId.get(upstreamId);
  }

  Entry remove(long upstreamId) {
    return byUpstreamId.remove(upstreamId);
  }

  /** The entry for a client's request id within one owner's requests, or null. */
  Entry findByClientId(Object owner, JsonNode clientId) {
    for (Entry e : byUpstreamId.values()) {
      if (e.owner() == owner && e.clientId().equals(clientId)) {
        return e;
      }
    }
    return null;
  }

  /** The distinct owners of the requests still waiting. */
  java.util.Set<Object> owners() {
    java.util.Set<Object> owners = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    byUpstreamId.values().forEach(e -> owners.add(e.owner()));
    return owners;
  }

  /** The most recently sent request of {@code owner} still waiting, or null. */
  Entry latestOf(Object owner) {
    Entry latest = null;
    for (Entry e : byUpstreamId.values()) {
      if (e.owner() == owner && (latest == null || e.upstreamId() > latest.upstreamId())) {
        latest = e;
      }
    }
    return latest;
  }

  /** The most recently sent tasks/result still waiting for task {@code taskId}, or null. */
  Entry waitingForResultOf(String taskId) {
    Entry latest = null;
    for (Entry e : byUpstreamId.values()) {
      if (taskId.equals(e.resultOfTask()) && (latest == null || e.upstreamId() > latest.upstreamId())) {
        latest = e;
      }
    }
    return latest;
  }

  /** Removes and returns every entry (the backend is gone). */
  Iterable<Entry> drain() {
    var all = new java.util.ArrayList<>(byUpstreamId.values());
    all.forEach(e -> byUpstreamId.remove(e.upstreamId()));
    return all;
  }

  /** Removes and returns the entries of one owner. */
  Iterable<Entry> drainOwner(Object owner) {
    var mine = new java.util.ArrayList<Entry>();
    for (Entry e : byUpstreamId.values()) {
      if (e.owner() == owner) {
        mine.add(e);
        byUpstreamId.remove(e.upstreamId());
      }
    }
    return mine;
  }
}
