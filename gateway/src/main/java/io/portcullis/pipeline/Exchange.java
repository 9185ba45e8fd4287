package io.portcullis.pipeline;

import io.portcullis.audit.AuditTrail;
import io.portcullis.auth.Principal;
import io.portcullis.mcp.JsonRpcMessage;
import io.portcullis.transport.ClientReply;
import io.portcullis.transport.GatewaySession;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.portcullis.routing.Reply;
import io.portcullis.routing.Route;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * One client message travelling through the pipeline. Immutable: each stage returns a copy with
 * what it learned filled in. Fields not yet reached by the pipeline are null. What a copy learns
 * is also noted on the message's {@link AuditTrail} (its reply's), so that the audit record
 * cannot miss what a stage established.
 *
 * @param http            the client's HTTP request (headers, peer address)
 * @param reply           where the answer goes (the HTTP response, or a slot of a batch's response)
 * @param receivedNanos   {@link System#nanoTime()} when the request arrived
 * @param protocolVersion the MCP protocol version the request speaks (header, or the spec's assumption)
 * @param principal       who is calling, as authentication verified it
 * @param body            the body, read under the size limit (POST only)
 * @param message         the parsed JSON-RPC message (POST only)
 * @param batch           the messages of a 2025-03-26 batch, which the pipeline runs one by one
 * @param session         the gateway session (all but a POST of initialize, which creates one)
 * @param route           where the message goes: its backend and target, as the client and the backend name it
 * @param replyFilter     what authorization requires of the backend's answer before the client
 *                        sees it (a list's items filtered by policy), or null
 */
public record Exchange(
    HttpServerRequest http,
    ClientReply reply,
    long receivedNanos,
    String protocolVersion,
    Principal principal,
    Buffer body,
    JsonRpcMessage message,
    List<JsonRpcMessage> batch,
    GatewaySession session,
    Route route,
    UnaryOperator<Reply> replyFilter) {

  public static Exchange start(HttpServerRequest http, ClientReply reply) {
    return new Exchange(http, reply, System.nanoTime(), null, null, null, null, null, null, null, null);
  }

  /** What the audit record of this message is being built from. */
  public AuditTrail audit() {
    return reply == null ? new AuditTrail(null, null, null) : reply.audit();
  }

  public Exchange withTransport(String version, Buffer readBody) {
    if (readBody != null) {
      audit().bytesIn(readBody.length());
    }
    return new Exchange(http, reply, receivedNanos, version, principal, readBody, message, batch, session, route, replyFilter);
  }

  public Exchange withMessage(JsonRpcMessage parsed) {
    audit().message(parsed);
    return new Exchange(http, reply, receivedNanos, protocolVersion, principal, body, parsed, null, session, route, replyFilter);
  }

  public Exchange withBatch(List<JsonRpcMessage> messages) {
    return new Exchange(http, reply, receivedNanos, protocolVersion, principal, body, null, List.copyOf(messages), session, route, replyFilter);
  }

  /** The exchange of one batch element, answered through its own slot. */
  public Exchange forBatchElement(JsonRpcMessage element, ClientReply slot) {
    slot.audit().message(element);
    return new Exchange(http, slot, receivedNanos, protocolVersion, principal, body, element, null, session, route, replyFilter);
  }

  public Exchange withPrincipal(Principal p) {
    if (p != null) {
      audit().principal(p.subject(), p.provider(), p.issuer(), p.clientId(), p.roles().stream().sorted().toList());
    }
    return new Exchange(http, reply, receivedNanos, protocolVersion, p, body, message, batch, session, route, replyFilter);
  }

  public Exchange withReplyFilter(UnaryOperator<Reply> filter) {
    return new Exchange(http, reply, receivedNanos, protocolVersion, principal, body, message, batch, session, route, filter);
  }

  public Exchange withSession(GatewaySession s) {
    if (s != null) {
      audit().session(s.id(), s.clientInfo() == null ? null : s.clientInfo().path("name").asText(null));
    }
    return new Exchange(http, reply, receivedNanos, protocolVersion, principal, body, message, batch, s, route, replyFilter);
  }

  /** The exchange routed: where it goes, and the message as the backend is to receive it. */
  public Exchange withRoute(Route r, JsonRpcMessage forwarded) {
    if (r.isSingleBackend()) {
      audit().target(targetKind(), r.target(), r.backend(), r.upstreamTarget());
    }
    return new Exchange(http, reply, receivedNanos, protocolVersion, principal, body, forwarded, batch, session, r, replyFilter);
  }

  private String targetKind() {
    String method = message instanceof io.portcullis.mcp.JsonRpcRequest request ? request.method() : "";
    if (method.startsWith("tools/")) {
      return "tool";
    }
    if (method.startsWith("prompts/")) {
      return "prompt";
    }
    if (method.startsWith("resources/")) {
      return "resource";
    }
    return method.startsWith("completion/") ? "completion" : null;
  }
}
