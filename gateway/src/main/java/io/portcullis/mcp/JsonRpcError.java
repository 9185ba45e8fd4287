package io.portcullis.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/** The error member of a JSON-RPC response. {@code data} may be null. */
public record JsonRpcError(int code, String message, JsonNode data) {
  public JsonRpcError {
    Objects.requireNonNull(message, "message");
  }

  public static JsonRpcError of(int code, String message) {
    return new JsonRpcError(code, message, null);
  }
}
