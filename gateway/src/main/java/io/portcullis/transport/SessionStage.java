package io.portcullis.transport;

import io.portcullis.mcp.JsonRpcRequest;
import io.portcullis.mcp.McpHeaders;
import io.portcullis.mcp.ProtocolVersions;
import io.portcullis.pipeline.Exchange;
import io.portcullis.pipeline.Failure;
import io.portcullis.pipeline.GatewayException;
import io.portcullis.pipeline.Phase;
import io.portcullis.pipeline.Stage;
import io.vertx.core.Future;

/**
 * Finds the gateway session a request belongs to. An initialize gets a new session bound to the
 * caller (refused with 503 when the cap is reached); anything else needs an Mcp-Session-Id (400
 * without one) naming a live session of the same caller (404 otherwise: another principal's
 * session is answered exactly like one that does not exist). A batch is looked up whole, so a
 * batch without a live session is refused as a lone message is, not element by element, and a
 * batch on a session whose agreed protocol has none (2025-06-18 on) with -32600.
 */
public final class SessionStage implements Stage {
  private final SessionManager sessions;

  public SessionStage(SessionManager sessions) {
    this.sessions = sessions;
  }

  @Override
  public Phase phase() {
    return Phase.SESSION;
  }

  @Override
  public boolean takesWholeBatch() {
    return true;
  }

  @Override
  public Future<Exchange> apply(Exchange exchange) {
    if (exchange.message() instanceof JsonRpcRequest request && request.isInitialize()) {
      if (sessions.isFull()) {
        return Future.failedFuture(new GatewayException(Failure.TOO_MANY_SESSIONS,
            "Service Unavailable: too many open sessions, try again later", request.id(), null));
      }
      var http = exchange.http();
      GatewaySession created = sessions.create(exchange.principal(),
          http.remoteAddress() == null ? null : http.remoteAddress().hostAddress(), http.getHeader("User-Agent"));
      return Future.succeededFuture(exchange.withSession(created));
    }
    String id = exchange.http().getHeader(McpHeaders.SESSION_ID);
    if (id == null || id.isBlank()) {
      return Future.failedFuture(new GatewayException(Failure.SESSION_REQUIRED,
          "Bad Request: Mcp-Session-Id header is required"));
    }
    return sessions.find(id)
        .filter(session -> session.principal() == null || session.principal().sameCallerAs(exchange.principal()))
        .map(session -> {
          session.touch();
          if (exchange.batch() != null && !ProtocolVersions.allowsBatches(versionOf(session, exchange))) {
            return Future.<Exchange>failedFuture(new GatewayException(Failure.INVALID_REQUEST,
                "Invalid Request: JSON-RPC batches are not part of protocol " + versionOf(session, exchange)
                    + ", which this session speaks"));
          }
          return Future.succeededFuture(exchange.withSession(session));
        })
        .orElseGet(() -> Future.failedFuture(new GatewayException(Failure.SESSION_NOT_FOUND,
            "Session not found: it ended or expired; initialize a new one")));
  }

  /**
   * The protocol the session agreed at initialize, which is what its requests speak: the header
   * only stands in for it where there is no other way to know (the spec's words), so a client that
   * agreed 2025-06-18 does not get batches by leaving the header out.
   */
  private static String versionOf(GatewaySession session, Exchange exchange) {
    return session.protocolVersion() != null ? session.protocolVersion() : exchange.protocolVersion();
  }
}
