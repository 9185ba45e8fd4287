package io.portcullis.transport;

import io.portcullis.audit.AuditEvent;
import io.portcullis.audit.AuditTrail;
import io.portcullis.audit.Auditor;
import io.portcullis.mcp.JsonRpcCodec;
import io.portcullis.mcp.JsonRpcMessage;
import io.portcullis.mcp.JsonRpcResponse;
import io.portcullis.pipeline.ErrorResponder;
import io.portcullis.pipeline.Failure;
import io.portcullis.pipeline.GatewayException;
import io.portcullis.routing.Outbound;
import io.portcullis.routing.Replies;
import io.portcullis.routing.Reply;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A client reply whose message is recorded in the audit log before the client sees how it ended:
 * the final response of a relayed answer waits for its record, as do a local answer and an
 * error. If the record cannot be written and audit is required, the client gets an error in place
 * of the answer, so no answer a client holds lacks its record. A batch's elements are each
 * recorded on their own.
 */
public final class AuditedReply implements ClientReply {
  private final ClientReply delegate;
  private final AuditTrail trail;
  private final Auditor auditor;
  private final Vertx vertx;
  private final boolean stream;

  /** {@code stream}: the reply opens the server-to-client stream (a GET), recorded when it opens. */
  public AuditedReply(ClientReply delegate, AuditTrail trail, Auditor auditor, Vertx vertx, boolean stream) {
    this.delegate = delegate;
    this.trail = trail;
    this.auditor = auditor;
    this.vertx = vertx;
    this.stream = stream;
  }

  @Override
  public AuditTrail audit() {
    return trail;
  }

  @Override
  public void accepted() {
    // A notification or an answer to the backend's request was already delivered: a failed record is logged, not undone.
    auditor.record(trail, new AuditEvent.Outcome(AuditEvent.OutcomeKind.RESULT, 202), null).onComplete(r -> delegate.accepted());
  }

  @Override
  public void sessionEnded() {
    auditor.record(trail, new AuditEvent.Outcome(AuditEvent.OutcomeKind.RESULT, 200), null).onComplete(r -> delegate.sessionEnded());
  }

  @Override
  public void answer(JsonRpcMessage message, Map<String, String> headers) {
    auditor.record(trail, outcomeOf(message), (long) JsonRpcCodec.encode(message).length()).onComplete(r -> {
      if (r.failed() && auditor.required() && message instanceof JsonRpcResponse response) {
        delegate.fail(unaudited(response));
      } else {
        delegate.answer(message, headers);
      }
    });
  }

  @Override
  public Future<Void> relay(Reply reply, GatewaySession session) {
    if (stream) {
      return auditor.record(trail, new AuditEvent.Outcome(AuditEvent.OutcomeKind.RESULT, 200), null)
          .transform(r -> r.failed() && auditor.required()
              ? Future.<Void>failedFuture(unaudited(null))
              : delegate.relay(reply, session));
    }
    Reply recorded = Replies.rewritingFinal(vertx, reply, out -> {
      JsonRpcResponse response = (JsonRpcResponse) out.message();
      // Encoded once here for its size; the writer sends these very bytes.
      var bytes = out.bytes();
      return auditor.record(trail, outcomeOf(response), (long) bytes.length()).transform(r -> Future.succeededFuture(
          r.failed() && auditor.required()
              ? new Outbound(out.eventId(), ErrorResponder.asJsonRpc(unaudited(response), response.id()), out.retryMillis())
              : out.withEncoded(bytes)));
    });
    return delegate.relay(recorded, session).andThen(r -> {
      // An answer stream that ended without the response (the client left, the backend failed) is recorded too.
      auditor.record(trail, new AuditEvent.Outcome(AuditEvent.OutcomeKind.BACKEND_FAILURE, null), null);
    });
  }

  @Override
  public void fail(Throwable error) {
    GatewayException failure = ErrorResponder.normalise(error);
    if (!trail.hasDecision()) {
      trail.decision(failure.failure() == Failure.AUDIT_UNAVAILABLE || isBackend(failure.failure())
          ? null : AuditEvent.Verdict.DENY, List.of(failure.getMessage()), null, null);
    }
    auditor.record(trail, outcomeOf(failure), null).onComplete(r -> delegate.fail(failure));
  }

  @Override
  public List<ClientReply> split(List<JsonRpcMessage> batch) {
    trail.handOver();
    List<ClientReply> slots = new ArrayList<>();
    for (ClientReply slot : delegate.split(batch)) {
      slots.add(new AuditedReply(slot, trail.forElement(), auditor, vertx, false));
    }
    return slots;
  }

  private static GatewayException unaudited(JsonRpcResponse response) {
    return new GatewayException(Failure.AUDIT_UNAVAILABLE,
        "Refused: the audit log cannot be written, so the gateway does not answer unaudited",
        response == null ? null : response.id(), null);
  }

  private static AuditEvent.Outcome outcomeOf(JsonRpcMessage message) {
    if (message instanceof JsonRpcResponse response && response.isError()) {
      return new AuditEvent.Outcome(AuditEvent.OutcomeKind.JSONRPC_ERROR, response.error().code());
    }
    if (message instanceof JsonRpcResponse response && response.result() != null && response.result().path("isError").asBoolean(false)) {
      return new AuditEvent.Outcome(AuditEvent.OutcomeKind.TOOL_ERROR, null);
    }
    return new AuditEvent.Outcome(AuditEvent.OutcomeKind.RESULT, null);
  }

  private static AuditEvent.Outcome outcomeOf(GatewayException failure) {
    // Refusals of the gateway's own (policy, unknown target) carry their JSON-RPC error too; only a backend's is its outcome.
    Integer code = failure.upstreamError() != null ? Integer.valueOf(failure.upstreamError().code())
        : ErrorResponder.jsonRpcCode(failure.failure());
    if (failure.failure() == Failure.UPSTREAM_ERROR) {
      return new AuditEvent.Outcome(AuditEvent.OutcomeKind.JSONRPC_ERROR, code);
    }
    if (isBackend(failure.failure())) {
      return new AuditEvent.Outcome(AuditEvent.OutcomeKind.BACKEND_FAILURE, code);
    }
    return new AuditEvent.Outcome(AuditEvent.OutcomeKind.REFUSED, code == null ? ErrorResponder.httpStatus(failure.failure()) : code);
  }

  private static boolean isBackend(Failure failure) {
    return failure == Failure.BACKEND_UNAVAILABLE || failure == Failure.BACKEND_TIMEOUT || failure == Failure.BACKEND_REJECTED
        || failure == Failure.UPSTREAM_SESSION_LOST;
  }
}
