package io.portcullis.mcp;

import com.fasterxml.jackson.databind.JsonNode;

/** What counts as a request id in MCP: a string or an integer, never null, never fractional. */
public final class JsonRpcIds {
  private JsonRpcIds() {
  }

  public static boolean isValidRequestId(JsonNode id) {
    return id != null && (id.isTextual() || id.isIntegralNumber());
  }
}
