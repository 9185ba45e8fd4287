package io.portcullis.pipeline;

import io.portcullis.mcp.JsonRpcMessage;
import io.portcullis.routing.Backend;
import io.portcullis.transport.GatewaySession;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

/**
 * One client request travelling through the pipeline. Immutable: each stage returns a copy with
 * what it learned filled in. Fields not yet reached by the pipeline are null.
 *
 * @param http            the client's HTTP request (headers, peer address, the response to write)
 * @param receivedNanos   {@link System#nanoTime()} when the request arrived
 * @param protocolVersion the MCP protocol version the request speaks (header, or the spec's assumption)
 * @param body            the body, read under the size limit (POST only)
 * @param message         the parsed JSON-RPC message (POST only)
 * @param session         the gateway session (all but a POST of initialize, which creates one)
 * @param backend         the backend the message is routed to
 */
public record Exchange(
    HttpServerRequest http,
    long receivedNanos,
    String protocolVersion,
    Buffer body,
    JsonRpcMessage message,
    GatewaySession session,
    Backend backend) {

  public static Exchange start(HttpServerRequest http) {
    return new Exchange(http, System.nanoTime(), null, null, null, null, null);
  }

  public Exchange withTransport(String version, Buffer readBody) {
    return new Exchange(http, receivedNanos, version, readBody, message, session, backend);
  }

  public Exchange withMessage(JsonRpcMessage parsed) {
    return new Exchange(http, receivedNanos, protocolVersion, body, parsed, session, backend);
  }

  public Exchange withSession(GatewaySession s) {
    return new Exchange(http, receivedNanos, protocolVersion, body, message, s, backend);
  }

  public Exchange withBackend(Backend b) {
    return new Exchange(http, receivedNanos, protocolVersion, body, message, session, b);
  }
}
