package io.portcullis.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.mcp.JsonRpcError;

/**
 * The one exception type of the request path: a {@link Failure} kind, a message safe to show the
 * client (never a secret or a stack trace), and the JSON-RPC id it answers when one is known.
 * The cause, if any, is for the log only.
 */
public final class GatewayException extends RuntimeException {
  private final Failure failure;
  private final JsonNode requestId;
  private final JsonRpcError upstreamError;

  public GatewayException(Failure failure, String message) {
    this(failure, message, null, null);
  }

  public GatewayException(Failure failure, String message, Throwable cause) {
    this(failure, message, null, cause);
  }

  public GatewayException(Failure failure, String message, JsonNode requestId, Throwable cause) {
    this(failure, message, requestId, cause, null);
  }

  private GatewayException(Failure failure, String message, JsonNode requestId, Throwable cause, JsonRpcError upstreamError) {
    super(message, cause, false, false);
    this.failure = failure;
    this.requestId = requestId;
    this.upstreamError = upstreamError;
  }

  /** The backend refused with a JSON-RPC error that the client should see unchanged. */
  public static GatewayException upstreamError(JsonRpcError error) {
    return new GatewayException(Failure.UPSTREAM_ERROR, error.message(), null, null, error);
  }

  /** For {@link Failure#UPSTREAM_ERROR}: the backend's error; otherwise null. */
  public JsonRpcError upstreamError() {
    return upstreamError;
  }

  public Failure failure() {
    return failure;
  }

  /** The id of the JSON-RPC request this failure answers, or null. */
  public JsonNode requestId() {
    return requestId;
  }

  public GatewayException withRequestId(JsonNode id) {
    return new GatewayException(failure, getMessage(), id, getCause(), upstreamError);
  }
}
