package io.portcullis.routing;

import io.portcullis.mcp.JsonRpcRequest;
import io.vertx.core.Future;

/** One MCP server behind the gateway, reached over HTTP or stdio. */
public interface Backend {
  String name();

  /** Prepares the backend (a stdio backend launches its process); completes once it can be used. */
  Future<Void> start();

  /** Releases the backend's connections or process; completes when done. */
  Future<Void> stop();

  /**
   * Opens this backend's side of a new gateway session for the client's initialize request. The
   * future completes with the upstream session, whose {@link UpstreamSession#initializeResult()}
   * is the backend's answer, or fails with a {@link io.portcullis.pipeline.GatewayException}.
   */
  Future<UpstreamSession> open(JsonRpcRequest initialize);

  /**
   * Whether one backend process serves every gateway session, so that it cannot tell callers
   * apart and the gateway must (a stdio process); an HTTP backend gives each gateway session a
   * session of its own.
   */
  default boolean sharedBySessions() {
    return false;
  }
}
