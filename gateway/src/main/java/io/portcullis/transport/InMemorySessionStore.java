package io.portcullis.transport;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Sessions in this process's memory: the default store for a single replica. */
public final class InMemorySessionStore implements SessionStore {
  private final Map<String, GatewaySession> sessions = new ConcurrentHashMap<>();

  @Override
  public Optional<GatewaySession> find(String id) {
    return Optional.ofNullable(sessions.get(id));
  }

  @Override
  public synchronized boolean tryAdd(GatewaySession session, int max) {
    if (sessions.size() >= max) {
      return false;
    }
    sessions.put(session.id(), session);
    return true;
  }

  @Override
  public Optional<GatewaySession> remove(String id) {
    return Optional.ofNullable(sessions.remove(id));
  }

  @Override
  public int size() {
    return sessions.size();
  }

  @Override
  public Collection<GatewaySession> all() {
    return List.copyOf(sessions.values());
  }
}
