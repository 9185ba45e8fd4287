package io.portcullis.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;

/**
 * A JSON-RPC response: exactly one of {@code result} and {@code error}. The id is null only for
 * an error about a message whose id could not be read.
 */
public record JsonRpcResponse(JsonNode id, JsonNode result, JsonRpcError error) implements JsonRpcMessage {
  public JsonRpcResponse {
    if ((result == null) == (error == null)) {
      throw new IllegalArgumentException("a response has exactly one of result or error");
    }
    if (id == null) {
      id = NullNode.getInstance();
    }
    if (!id.isNull() && !JsonRpcIds.isValidRequestId(id)) {
      throw new IllegalArgumentException("a response id must be a string, an integer or null");
    }
    if (id.isNull() && error == null) {
      throw new IllegalArgumentException("a successful response needs the id of its request");
    }
  }

  public static JsonRpcResponse success(JsonNode id, JsonNode result) {
    return new JsonRpcResponse(id, result, null);
  }

  public static JsonRpcResponse failure(JsonNode id, JsonRpcError error) {
    return new JsonRpcResponse(id, null, error);
  }

  public JsonRpcResponse withId(JsonNode newId) {
    return new JsonRpcResponse(newId, result, error);
  }

  public boolean isError() {
    return error != null;
  }
}
