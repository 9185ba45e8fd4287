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
  private final String challenge;
  private final String oauthError;

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
    this(failure, message, requestId, cause, upstreamError, null, null);
  }

  private GatewayException(Failure failure, String message, JsonNode requestId, Throwable cause, JsonRpcError upstreamError,
      String challenge, String oauthError) {
    super(message, cause, false, false);
    this.failure = failure;
    this.requestId = requestId;
    this.upstreamError = upstreamError;
    this.challenge = challenge;
    this.oauthError = oauthError;
  }

  /**
   * An authentication failure answered with an OAuth error: {@code challenge} is the
   * WWW-Authenticate header value, {@code oauthError} the {@code error} member of the JSON body.
   */
  public static GatewayException oauth(Failure failure, String oauthError, String description, String challenge) {
    return new GatewayException(failure, description, null, null, null, challenge, oauthError);
  }

  /** The WWW-Authenticate header to send, or null. */
  public String challenge() {
    return challenge;
  }

  /** The OAuth {@code error} code of an authentication failure, or null. */
  public String oauthError() {
    return oauthError;
  }

  /** The backend refused with a JSON-RPC error that the client should see unchanged. */
  public static GatewayException upstreamError(JsonRpcError error) {
    return new GatewayException(Failure.UPSTREAM_ERROR, error.message(), null, null, error);
  }

  /** A refusal answered with exactly this JSON-RPC error (policy denials, unknown targets). */
  public static GatewayException jsonRpc(Failure failure, JsonRpcError error, JsonNode requestId) {
    return new GatewayException(failure, error.message(), requestId, null, error);
  }

  /** The JSON-RPC error to answer with as it is (a backend's, or a policy refusal's), or null. */
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
    return new GatewayException(failure, getMessage(), id, getCause(), upstreamError, challenge, oauthError);
  }
}
