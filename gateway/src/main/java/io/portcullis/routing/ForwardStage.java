package io.portcullis.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.mcp.JsonRpcCodec;
import io.portcullis.mcp.JsonRpcNotification;
import io.portcullis.mcp.JsonRpcRequest;
import io.portcullis.mcp.JsonRpcResponse;
import io.portcullis.mcp.McpHeaders;
import io.portcullis.mcp.ServerInfo;
import io.portcullis.pipeline.Exchange;
import io.portcullis.pipeline.Failure;
import io.portcullis.pipeline.GatewayException;
import io.portcullis.pipeline.Phase;
import io.portcullis.pipeline.Stage;
import io.portcullis.transport.ClientReply;
import io.portcullis.transport.GatewaySession;
import io.portcullis.transport.SessionManager;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import java.util.Map;

/**
 * The terminal stage: sends the message to its backend and relays the answer. initialize opens
 * the backend side of the new session; GET opens the server-to-client stream; DELETE ends the
 * session; notifications and the client's answers to relayed requests are acknowledged with 202.
 */
public final class ForwardStage implements Stage {
  private final SessionManager sessions;

  public ForwardStage(SessionManager sessions) {
    this.sessions = sessions;
  }

  @Override
  public Phase phase() {
    return Phase.FORWARD;
  }

  @Override
  public Future<Exchange> apply(Exchange exchange) {
    HttpMethod method = exchange.http().method();
    GatewaySession session = exchange.session();
    ClientReply reply = exchange.reply();
    if (method == HttpMethod.GET) {
      return session.upstream().listen(exchange.http().getHeader(McpHeaders.LAST_EVENT_ID))
          .compose(upstream -> reply.relay(upstream, session))
          .map(exchange);
    }
    if (method == HttpMethod.DELETE) {
      return sessions.end(session).map(v -> {
        exchange.http().response().setStatusCode(200).end();
        return exchange;
      });
    }
    if (exchange.message() instanceof JsonRpcRequest request) {
      if (request.isInitialize()) {
        return initialize(exchange, request);
      }
      return session.upstream().request(request)
          .map(upstream -> exchange.replyFilter() == null ? upstream : exchange.replyFilter().apply(upstream))
          .compose(upstream -> reply.relay(upstream, session))
          .map(exchange);
    }
    Future<Void> sent = exchange.message() instanceof JsonRpcNotification notification
        ? session.upstream().notify(notification)
        : session.upstream().respond((JsonRpcResponse) exchange.message());
    return sent.map(v -> {
      reply.accepted();
      return exchange;
    });
  }

  private Future<Exchange> initialize(Exchange exchange, JsonRpcRequest request) {
    GatewaySession session = exchange.session();
    String requested = request.params() == null ? null : request.params().path("protocolVersion").asText(null);
    return exchange.backend().open(request)
        .recover(e -> Future.failedFuture(e instanceof GatewayException g ? g.withRequestId(request.id()) : e))
        .compose(upstream -> {
          String version = upstream.versionFor(requested);
          session.attach(upstream, version, request.params() == null ? null : request.params().get("clientInfo"));
          if (!sessions.register(session)) {
            upstream.close();
            return Future.failedFuture(new GatewayException(Failure.TOO_MANY_SESSIONS,
                "Service Unavailable: too many open sessions, try again later", request.id(), null));
          }
          JsonRpcResponse answer = JsonRpcResponse.success(request.id(), resultForClient(upstream.initializeResult(), version));
          exchange.reply().answer(answer, Map.of(McpHeaders.SESSION_ID, session.id()));
          return Future.succeededFuture(exchange);
        });
  }

  /** The backend's initialize result as the gateway presents it: its version, its own server info. */
  private static ObjectNode resultForClient(JsonNode backendResult, String version) {
    ObjectNode result = JsonRpcCodec.object();
    result.put("protocolVersion", version);
    result.set("capabilities", backendResult.path("capabilities").isObject()
        ? backendResult.get("capabilities") : JsonRpcCodec.object());
    result.putObject("serverInfo").put("name", ServerInfo.NAME).put("title", "Portcullis MCP gateway")
        .put("version", ServerInfo.VERSION);
    if (backendResult.hasNonNull("instructions")) {
      result.set("instructions", backendResult.get("instructions"));
    }
    return result;
  }
}
