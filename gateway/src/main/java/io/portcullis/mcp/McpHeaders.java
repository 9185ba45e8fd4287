package io.portcullis.mcp;

/** HTTP header names and media types of MCP's Streamable HTTP transport. */
public final class McpHeaders {
  public static final String SESSION_ID = "Mcp-Session-Id";
  public static final String PROTOCOL_VERSION = "MCP-Protocol-Version";
  public static final String LAST_EVENT_ID = "Last-Event-ID";
  public static final String APPLICATION_JSON = "application/json";
  public static final String TEXT_EVENT_STREAM = "text/event-stream";

  private McpHeaders() {
  }
}
