package io.portcullis.transport;

import java.util.Collection;
import java.util.Optional;

/**
 * Where gateway sessions live between requests. The in-memory store is the first implementation;
 * a store shared by replicas can replace it behind this interface.
 */
public interface SessionStore {
  Optional<GatewaySession> find(String id);

  /** Adds a session unless {@code max} sessions are already open; returns whether it was added. */
  boolean tryAdd(GatewaySession session, int max);

  Optional<GatewaySession> remove(String id);

  int size();

  Collection<GatewaySession> all();
}
