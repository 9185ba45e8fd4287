package io.portcullis.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * The record's JSON form: every field present (null when unknown) in one fixed order, so that two
 * writers produce the same bytes for the same event. The order is the schema documented in the
 * README; add fields at the end.
 */
final class AuditJson {
  static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private AuditJson() {}

  /** The record without its chain fields. */
  static ObjectNode toJson(AuditEvent e) {
    ObjectNode o = NODES.objectNode();
    o.put("time", e.time().toString());
    o.put("eventId", e.eventId());
    o.put("decisionId", e.decisionId());
    o.set("principal", principal(e.principal()));
    o.put("source", e.source());
    o.put("userAgent", e.userAgent());
    o.put("clientName", e.clientName());
    o.put("session", e.session());
    o.put("method", e.method());
    o.set("target", target(e.target()));
    o.set("decision", decision(e.decision()));
    o.put("policyRevision", e.policyRevision());
    o.set("arguments", e.arguments() == null ? NODES.nullNode() : e.arguments());
    o.set("outcome", outcome(e.outcome()));
    ObjectNode latency = o.putObject("latencyMicros");
    for (Map.Entry<String, Long> stage : e.latencyMicros().entrySet()) {
      latency.put(stage.getKey(), stage.getValue());
    }
    o.put("bytesIn", e.bytesIn());
    o.put("bytesOut", e.bytesOut());
    o.put("traceId", e.traceId());
    return o;
  }

  static String write(ObjectNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("an audit record could not be serialised", e);
    }
  }

  /** The record as UTF-8 JSON bytes. */
  static byte[] bytes(ObjectNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("an audit record could not be serialised", e);
    }
  }

  private static ObjectNode principal(AuditEvent.Principal p) {
    if (p == null) {
      return null;
    }
    ObjectNode o = NODES.objectNode();
    o.put("subject", p.subject());
    o.put("provider", p.provider());
    o.put("clientId", p.clientId());
    o.set("roles", strings(p.roles()));
    return o;
  }

  private static ObjectNode target(AuditEvent.Target t) {
    if (t == null) {
      return null;
    }
    ObjectNode o = NODES.objectNode();
    o.put("kind", t.kind());
    o.put("name", t.name());
    o.put("backend", t.backend());
    o.put("upstreamName", t.upstreamName());
    o.put("accessClass", t.accessClass());
    return o;
  }

  private static ObjectNode decision(AuditEvent.Decision d) {
    if (d == null) {
      return null;
    }
    ObjectNode o = NODES.objectNode();
    o.put("outcome", d.verdict().wireName());
    o.set("reasons", strings(d.reasons()));
    return o;
  }

  private static ObjectNode outcome(AuditEvent.Outcome out) {
    if (out == null) {
      return null;
    }
    ObjectNode o = NODES.objectNode();
    o.put("kind", out.kind().wireName());
    o.put("code", out.code());
    return o;
  }

  private static ArrayNode strings(List<String> values) {
    ArrayNode a = NODES.arrayNode();
    values.forEach(a::add);
    return a;
  }
}
