package io.portcullis.audit;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;

/**
 * The record's JSON form: every field present (null when unknown) in one fixed order, so that two
 * writers produce the same bytes for the same event. The order is the schema documented in the
 * README; add fields at the end.
 */
final class AuditJson {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private AuditJson() {}

  /**
   * Writes the record with {@code prev} as its last field, as UTF-8 JSON, to {@code out}: the bytes
   * the chain hashes. Written field by field (no tree), since the audit writer does this for every
   * request.
   */
  static void write(AuditEvent e, String prev, OutputStream out) {
    try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("time", e.time().toString());
      g.writeStringField("eventId", e.eventId());
      g.writeStringField("decisionId", e.decisionId());
      g.writeFieldName("principal");
      principal(g, e.principal());
      g.writeStringField("source", e.source());
      g.writeStringField("userAgent", e.userAgent());
      g.writeStringField("clientName", e.clientName());
      g.writeStringField("session", e.session());
      g.writeStringField("method", e.method());
      g.writeFieldName("target");
      target(g, e.target());
      g.writeFieldName("decision");
      decision(g, e.decision());
      g.writeStringField("policyRevision", e.policyRevision());
      g.writeFieldName("arguments");
      if (e.arguments() == null) {
        g.writeNull();
      } else {
        MAPPER.writeTree(g, e.arguments());
      }
      g.writeFieldName("outcome");
      outcome(g, e.outcome());
      g.writeObjectFieldStart("latencyMicros");
      for (Map.Entry<String, Long> stage : e.latencyMicros().entrySet()) {
        g.writeFieldName(stage.getKey());
        number(g, stage.getValue());
      }
      g.writeEndObject();
      g.writeFieldName("bytesIn");
      number(g, e.bytesIn());
      g.writeFieldName("bytesOut");
      number(g, e.bytesOut());
      g.writeStringField("traceId", e.traceId());
      g.writeStringField("prev", prev);
      g.writeEndObject();
    } catch (IOException ex) {
      throw new IllegalStateException("an audit record could not be serialised", ex);
    }
  }

  private static void number(JsonGenerator g, Long value) throws IOException {
    if (value == null) {
      g.writeNull();
    } else {
      g.writeNumber(value);
    }
  }

  private static void principal(JsonGenerator g, AuditEvent.Principal p) throws IOException {
    if (p == null) {
      g.writeNull();
      return;
    }
    g.writeStartObject();
    g.writeStringField("subject", p.subject());
    g.writeStringField("provider", p.provider());
    g.writeStringField("issuer", p.issuer());
    g.writeStringField("clientId", p.clientId());
    g.writeFieldName("roles");
    strings(g, p.roles());
    g.writeEndObject();
  }

  private static void target(JsonGenerator g, AuditEvent.Target t) throws IOException {
    if (t == null) {
      g.writeNull();
      return;
    }
    g.writeStartObject();
    g.writeStringField("kind", t.kind());
    g.writeStringField("name", t.name());
    g.writeStringField("backend", t.backend());
    g.writeStringField("upstreamName", t.upstreamName());
    g.writeStringField("accessClass", t.accessClass());
    g.writeEndObject();
  }

  private static void decision(JsonGenerator g, AuditEvent.Decision d) throws IOException {
    if (d == null) {
      g.writeNull();
      return;
    }
    g.writeStartObject();
    g.writeStringField("outcome", d.verdict().wireName());
    g.writeFieldName("reasons");
    strings(g, d.reasons());
    g.writeEndObject();
  }

  private static void outcome(JsonGenerator g, AuditEvent.Outcome out) throws IOException {
    if (out == null) {
      g.writeNull();
      return;
    }
    g.writeStartObject();
    g.writeStringField("kind", out.kind().wireName());
    g.writeFieldName("code");
    if (out.code() == null) {
      g.writeNull();
    } else {
      g.writeNumber(out.code());
    }
    g.writeEndObject();
  }

  private static void strings(JsonGenerator g, List<String> values) throws IOException {
    g.writeStartArray();
    for (String value : values) {
      g.writeString(value);
    }
    g.writeEndArray();
  }
}
