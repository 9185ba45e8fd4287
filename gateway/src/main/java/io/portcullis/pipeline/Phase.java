package io.portcullis.pipeline;

/**
 * The stages of a request's path through /mcp, in the only order they may run. The order is the
 * security argument: nothing parses a body that transport limits have not bounded, nothing looks
 * at the message before the caller is authenticated, and nothing is forwarded that policy has
 * not decided.
 */
public enum Phase {
  /** Origin/Host, HTTP method, media types, protocol version, the body read under its limit. */
  TRANSPORT,
  /** The provider chain over the headers only. */
  AUTHENTICATE,
  /** One JSON-RPC message from the body. */
  PARSE,
  /** Mcp-Session-Id to the gateway session and its backend sessions. */
  SESSION,
  /** Method and name to a backend and an upstream name. */
  ROUTE,
  /** Policy decision; fails closed. */
  AUTHORIZE,
  /** The upstream call and the relay of its answer: the terminal stage. */
  FORWARD;

  private final String label = name().toLowerCase(java.util.Locale.ROOT);

  /** The phase's name in metrics and audit records. */
  public String label() {
    return label;
  }
}
