package io.portcullis.transport;

import io.portcullis.audit.AuditTrail;
import io.portcullis.mcp.JsonRpcMessage;
import io.portcullis.routing.Reply;
import io.vertx.core.Future;
import java.util.List;
import java.util.Map;

/**
 * Where the answer to one client message goes: the HTTP response of a POST that carried it alone,
 * or its slot in the one stream that answers a batch.
 */
public interface ClientReply {
  /** The message (a notification or a response) was accepted: 202 for a lone message. */
  void accepted();

  /** The session was ended at the client's request (DELETE): 200 without a body. */
  void sessionEnded();

  /** Answers with one message; {@code headers} apply when the message owns the HTTP response. */
  void answer(JsonRpcMessage message, Map<String, String> headers);

  /**
   * Relays a backend's reply. The future completes when it has been written to the end, or
   * abandoned because the client went away.
   */
  Future<Void> relay(Reply reply, GatewaySession session);

  /** Reports that handling the message failed. */
  void fail(Throwable error);

  /** One reply per element of a batch, all answered through this reply's response. */
  List<ClientReply> split(List<JsonRpcMessage> batch);

  /**
   * What the stages learn about this message for its audit record. A reply that is not audited
   * (a bare one, in tests of the transport) hands out a trail nobody reads.
   */
  default AuditTrail audit() {
    return new AuditTrail(null, null, null);
  }
}
