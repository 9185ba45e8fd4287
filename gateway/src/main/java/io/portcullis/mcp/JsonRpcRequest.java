package io.portcullis.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/** A JSON-RPC request: it has an id and expects exactly one response. {@code params} may be null. */
public record JsonRpcRequest(JsonNode id, String method, ObjectNode params) implements JsonRpcMessage {
  public JsonRpcRequest {
    Objects.requireNonNull(method, "method");
    if (!JsonRpcIds.isValidRequestId(id)) {
      throw new IllegalArgumentException("a request id must be a string or an integer");
    }
  }

  public JsonRpcRequest withId(JsonNode newId) {
    return new JsonRpcRequest(newId, method, params);
  }

  public JsonRpcRequest withParams(ObjectNode newParams) {
    return new JsonRpcRequest(id, method, newParams);
  }

  public boolean isInitialize() {
    return McpMethods.INITIALIZE.equals(method);
  }
}
