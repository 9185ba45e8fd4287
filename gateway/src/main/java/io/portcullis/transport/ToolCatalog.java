package io.portcullis.transport;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tools a session's backend has listed, by name, with their definitions (annotations
 * included): what policy needs to know of a tool before it is called. Filled from every
 * tools/list answer the session sees, and refreshed by the gateway when a call names a tool it
 * has not seen.
 */
public final class ToolCatalog {
  private final Map<String, JsonNode> byName = new ConcurrentHashMap<>();

  /** Records the tools of a tools/list result page. */
  public void record(JsonNode listResult) {
    JsonNode tools = listResult == null ? null : listResult.get("tools");
    if (tools != null && tools.isArray()) {
      tools.forEach(tool -> {
        if (tool.path("name").isTextual()) {
          byName.put(tool.get("name").asText(), tool);
        }
      });
    }
  }

  public Optional<JsonNode> find(String name) {
    return Optional.ofNullable(byName.get(name));
  }
}
