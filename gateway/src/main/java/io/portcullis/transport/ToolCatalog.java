package io.portcullis.transport;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tools a session's backends have listed, by the name the client sees, with their
 * definitions (annotations included): what policy needs to know of a tool before it is called.
 * Filled from every tools/list answer the session sees, refreshed by the gateway when a call names
 * a tool it has not seen, and forgotten per backend when that backend says its tools changed.
 */
public final class ToolCatalog {
  private record Entry(String backend, JsonNode tool) {
  }

  private final Map<String, Entry> byName = new ConcurrentHashMap<>();

  /** Records one of {@code backend}'s tools under the name the client sees. */
  public void record(String exposedName, String backend, JsonNode tool) {
    byName.put(exposedName, new Entry(backend, tool));
  }

  public Optional<JsonNode> find(String exposedName) {
    return Optional.ofNullable(byName.get(exposedName)).map(Entry::tool);
  }

  /** Forgets a backend's tools: its list changed, or its session was replaced. */
  public void forget(String backend) {
    byName.values().removeIf(e -> e.backend().equals(backend));
  }
}
