package io.portcullis.mcp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/** A JSON-RPC notification: no id, no response. {@code params} may be null. */
public record JsonRpcNotification(String method, ObjectNode params) implements JsonRpcMessage {
  public JsonRpcNotification {
    Objects.requireNonNull(method, "method");
  }

  public JsonRpcNotification withParams(ObjectNode newParams) {
    return new JsonRpcNotification(method, newParams);
  }
}
