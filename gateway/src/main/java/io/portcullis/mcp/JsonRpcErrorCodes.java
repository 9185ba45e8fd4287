package io.portcullis.mcp;

/** JSON-RPC and MCP error codes used by the gateway, in one place. */
public final class JsonRpcErrorCodes {
  public static final int PARSE_ERROR = -32700;
  public static final int INVALID_REQUEST = -32600;
  public static final int METHOD_NOT_FOUND = -32601;
  public static final int INVALID_PARAMS = -32602;
  public static final int INTERNAL_ERROR = -32603;
  /** Implementation-defined server errors: the gateway's own refusals live in -32000..-32099. */
  public static final int SERVER_ERROR = -32000;
  /** The code the MCP SDKs use for an unknown or ended session. */
  public static final int SESSION_NOT_FOUND = -32001;
  public static final int BACKEND_UNAVAILABLE = -32020;
  /** The audit log cannot be written; tools are refused until it can. */
  public static final int AUDIT_UNAVAILABLE = -32030;
  public static final int BACKEND_TIMEOUT = -32021;
  public static final int TOO_MANY_SESSIONS = -32004;
  public static final int REQUEST_TOO_LARGE = -32005;
  public static final int FORBIDDEN = -32006;
  /** A session asked for more resource subscriptions on a shared process than it may hold. */
  public static final int TOO_MANY_SUBSCRIPTIONS = -32007;
  /** Policy denied the request; data carries reasons and decision_id. */
  public static final int POLICY_DENIED = -32010;
  /** Policy could not decide; the request is refused (fail closed). */
  public static final int POLICY_ERROR = -32011;
  /** MCP's code for a resource that does not exist. */
  public static final int RESOURCE_NOT_FOUND = -32002;

  private JsonRpcErrorCodes() {
  }
}
