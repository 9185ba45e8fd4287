package io.portcullis.routing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.mcp.JsonRpcNotification;
import io.portcullis.mcp.McpMethods;
import io.portcullis.transport.GatewaySession;
import java.util.Optional;

/**
 * What a backend sends a client, made to fit the one server the client sees: event ids name the
 * backend (so Last-Event-ID finds the stream to resume), resource URIs take the backend's
 * mapping, and a backend's tools/list_changed makes the session forget that backend's tools so
 * the next call looks them up again.
 */
public final class BackendMessages {
  private static final String TOOLS_LIST_CHANGED = "notifications/tools/list_changed";

  private final Mounts mounts;

  public BackendMessages(Mounts mounts) {
    this.mounts = mounts;
  }

  /** The reply of backend {@code backend} as the client of {@code session} receives it. */
  public Reply forClient(String backend, GatewaySession session, Reply reply) {
    return new Reply(reply.mode(), new MappedStream(reply.messages(), out -> map(backend, session, out)), reply.abandon());
  }

  /** The event id the client sees for a backend's event id. */
  public static String eventId(String backend, String upstreamEventId) {
    return upstreamEventId == null ? null : backend + "." + upstreamEventId;
  }

  /** The backend and its own event id behind a Last-Event-ID the client sent, if the gateway issued it. */
  public static Optional<Mounts.Target> resumePoint(String lastEventId) {
    int dot = lastEventId == null ? -1 : lastEventId.indexOf('.');
    return dot <= 0 ? Optional.empty() : Optional.of(new Mounts.Target(lastEventId.substring(0, dot), lastEventId.substring(dot + 1)));
  }

  private Outbound map(String backend, GatewaySession session, Outbound out) {
    Object message = out.message();
    if (message instanceof JsonRpcNotification n && TOOLS_LIST_CHANGED.equals(n.method())) {
      session.tools().forget(backend);
    }
    if (message instanceof JsonRpcNotification n && McpMethods.RESOURCES_UPDATED.equals(n.method())
        && n.params() != null && n.params().path("uri").isTextual()) {
      ObjectNode params = n.params().deepCopy();
      params.put("uri", mounts.exposeUri(backend, n.params().get("uri").asText()));
      return new Outbound(eventId(backend, out.eventId()), new JsonRpcNotification(n.method(), params), out.retryMillis());
    }
    return out.eventId() == null ? out : new Outbound(eventId(backend, out.eventId()), out.message(), out.retryMillis());
  }
}
