package io.portcullis.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.mcp.JsonRpcCodec;
import io.portcullis.mcp.JsonRpcError;
import io.portcullis.mcp.JsonRpcErrorCodes;
import io.portcullis.mcp.JsonRpcResponse;
import io.portcullis.mcp.McpHeaders;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns any failure of the request path into the client's HTTP answer, in one exhaustive switch. */
public final class ErrorResponder {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorResponder.class);

  /**
   * The HTTP status, and the JSON-RPC code for a JSON-RPC body; null for a plain-text body, or an
   * OAuth error body for authentication failures.
   */
  record Mapping(int status, Integer jsonRpcCode) {
  }

  private ErrorResponder() {
  }

  static Mapping map(Failure failure) {
    return switch (failure) {
      case FORBIDDEN_ORIGIN -> new Mapping(403, JsonRpcErrorCodes.FORBIDDEN);
      case UNAUTHENTICATED -> new Mapping(401, null);
      case INSUFFICIENT_SCOPE -> new Mapping(403, null);
      case AUTH_UNAVAILABLE -> new Mapping(503, null);
      case METHOD_NOT_ALLOWED, NO_SERVER_STREAM -> new Mapping(405, null);
      case NOT_ACCEPTABLE -> new Mapping(406, null);
      case UNSUPPORTED_MEDIA_TYPE -> new Mapping(415, null);
      case BAD_PROTOCOL_VERSION -> new Mapping(400, JsonRpcErrorCodes.INVALID_REQUEST);
      case BODY_TOO_LARGE -> new Mapping(413, JsonRpcErrorCodes.REQUEST_TOO_LARGE);
      case PARSE_ERROR -> new Mapping(400, JsonRpcErrorCodes.PARSE_ERROR);
      case INVALID_REQUEST, SESSION_REQUIRED -> new Mapping(400, JsonRpcErrorCodes.INVALID_REQUEST);
      case SESSION_NOT_FOUND -> new Mapping(404, JsonRpcErrorCodes.SESSION_NOT_FOUND);
      case TOO_MANY_SESSIONS -> new Mapping(503, JsonRpcErrorCodes.TOO_MANY_SESSIONS);
      case STREAM_CONFLICT -> new Mapping(409, JsonRpcErrorCodes.INVALID_REQUEST);
      case BACKEND_UNAVAILABLE, BACKEND_REJECTED, UPSTREAM_SESSION_LOST -> new Mapping(502, JsonRpcErrorCodes.BACKEND_UNAVAILABLE);
      case BACKEND_TIMEOUT -> new Mapping(504, JsonRpcErrorCodes.BACKEND_TIMEOUT);
      case UPSTREAM_ERROR, POLICY_DENIED, POLICY_ERROR -> new Mapping(200, JsonRpcErrorCodes.SERVER_ERROR);
      case UNKNOWN_TARGET -> new Mapping(200, JsonRpcErrorCodes.INVALID_PARAMS);
      case AUDIT_UNAVAILABLE -> new Mapping(200, JsonRpcErrorCodes.AUDIT_UNAVAILABLE);
      case INTERNAL -> new Mapping(500, JsonRpcErrorCodes.INTERNAL_ERROR);
    };
  }

  /** The HTTP status the client gets for {@code failure}. */
  public static int httpStatus(Failure failure) {
    return map(failure).status();
  }

  /** The JSON-RPC error code the client gets for {@code failure}, or null when the body is not JSON-RPC. */
  public static Integer jsonRpcCode(Failure failure) {
    return map(failure).jsonRpcCode();
  }

  /** The failure as a JSON-RPC error response, for a stream that is already open. */
  public static JsonRpcResponse asJsonRpc(GatewayException e, JsonNode requestId) {
    if (e.upstreamError() != null) {
      return JsonRpcResponse.failure(requestId, e.upstreamError());
    }
    Integer code = map(e.failure()).jsonRpcCode();
    return JsonRpcResponse.failure(requestId, JsonRpcError.of(code == null ? JsonRpcErrorCodes.SERVER_ERROR : code, e.getMessage()));
  }

  /** Normalises any throwable to a {@link GatewayException}, logging what the client will not see. */
  public static GatewayException normalise(Throwable error) {
    if (error instanceof GatewayException e) {
      if (e.getCause() != null) {
        LOG.warn("{}: {}", e.getMessage(), e.getCause().toString());
      }
      return e;
    }
    LOG.error("unexpected failure on the request path", error);
    return new GatewayException(Failure.INTERNAL, "Internal error");
  }

  /** Writes the failure as the HTTP answer, unless the response has already started. */
  public static void send(HttpServerResponse response, Throwable error) {
    GatewayException e = normalise(error);
    if (response.headWritten() || response.closed()) {
      if (!response.ended() && !response.closed()) {
        response.end();
      }
      return;
    }
    Mapping mapping = map(e.failure());
    response.setStatusCode(mapping.status());
    if (e.failure() == Failure.METHOD_NOT_ALLOWED) {
      response.putHeader(HttpHeaders.ALLOW, "GET, POST, DELETE");
    } else if (e.failure() == Failure.NO_SERVER_STREAM) {
      response.putHeader(HttpHeaders.ALLOW, "POST, DELETE");
    }
    if (e.failure() == Failure.TOO_MANY_SESSIONS) {
      response.putHeader(HttpHeaders.RETRY_AFTER, "30");
    }
    if (e.challenge() != null) {
      response.putHeader("WWW-Authenticate", e.challenge());
    }
    if (e.oauthError() != null) {
      if (e.failure() == Failure.AUTH_UNAVAILABLE) {
        response.putHeader(HttpHeaders.RETRY_AFTER, "5");
      }
      var body = JsonRpcCodec.object().put("error", e.oauthError()).put("error_description", e.getMessage());
      response.putHeader(HttpHeaders.CONTENT_TYPE, McpHeaders.APPLICATION_JSON).end(JsonRpcCodec.encodeTree(body));
      return;
    }
    if (mapping.jsonRpcCode() == null) {
      response.putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8").end(e.getMessage() + "\n");
      return;
    }
    JsonRpcResponse body = asJsonRpc(e, e.requestId());
    response.putHeader(HttpHeaders.CONTENT_TYPE, McpHeaders.APPLICATION_JSON).end(JsonRpcCodec.encode(body));
  }
}
