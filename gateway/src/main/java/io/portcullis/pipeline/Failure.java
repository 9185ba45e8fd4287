package io.portcullis.pipeline;

/** Every way the gateway refuses or fails a request; {@link ErrorResponder} maps each to HTTP. */
public enum Failure {
  FORBIDDEN_ORIGIN,
  /** No valid credential: 401 with a WWW-Authenticate challenge. */
  UNAUTHENTICATED,
  /** A valid credential without the scope needed: 403 insufficient_scope. */
  INSUFFICIENT_SCOPE,
  /** An authentication provider could not answer: 503, never anonymous access. */
  AUTH_UNAVAILABLE,
  /** An HTTP method /mcp does not serve: 405 allowing GET, POST and DELETE. */
  METHOD_NOT_ALLOWED,
  /** A GET where no backend of the session offers a server-to-client stream: 405 allowing POST and DELETE. */
  NO_SERVER_STREAM,
  NOT_ACCEPTABLE,
  UNSUPPORTED_MEDIA_TYPE,
  BAD_PROTOCOL_VERSION,
  BODY_TOO_LARGE,
  PARSE_ERROR,
  INVALID_REQUEST,
  SESSION_REQUIRED,
  SESSION_NOT_FOUND,
  TOO_MANY_SESSIONS,
  STREAM_CONFLICT,
  BACKEND_UNAVAILABLE,
  BACKEND_TIMEOUT,
  BACKEND_REJECTED,
  /** The backend no longer knows the gateway's session with it (it restarted): re-initialized and retried once. */
  UPSTREAM_SESSION_LOST,
  /** The backend answered with a JSON-RPC error, relayed to the client as it is. */
  UPSTREAM_ERROR,
  /** Policy denied the request: a JSON-RPC error with the reasons and the decision id. */
  POLICY_DENIED,
  /** Policy could not decide (engine failure, timeout, undefined or malformed): refused, fail closed. */
  POLICY_ERROR,
  /** The tool, resource or prompt does not exist for this principal (unknown, or hidden by policy). */
  UNKNOWN_TARGET,
  /** The audit log cannot be written and audit.required is on: no tool runs unaudited. */
  AUDIT_UNAVAILABLE,
  INTERNAL
}
