package io.portcullis.mcp;

/** MCP method names the gateway treats specially. */
public final class McpMethods {
  public static final String INITIALIZE = "initialize";
  public static final String INITIALIZED = "notifications/initialized";
  public static final String CANCELLED = "notifications/cancelled";
  public static final String PROGRESS = "notifications/progress";
  public static final String RESOURCES_SUBSCRIBE = "resources/subscribe";
  public static final String RESOURCES_UNSUBSCRIBE = "resources/unsubscribe";
  public static final String RESOURCES_UPDATED = "notifications/resources/updated";
  public static final String PING = "ping";
  public static final String TOOLS_CALL = "tools/call";

  private McpMethods() {
  }
}
