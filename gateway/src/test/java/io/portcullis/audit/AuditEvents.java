package io.portcullis.audit;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Audit events for tests, each one a plausible tools/call. */
final class AuditEvents {
  private AuditEvents() {}

  static AuditEvent toolCall(String eventId) {
    Map<String, Long> latency = new LinkedHashMap<>();
    latency.put("authenticate", 120L);
    latency.put("authorize", 80L);
    latency.put("forward", 2500L);
    return new AuditEvent(
        Instant.parse("2025-01-02T03:04:05.123456Z"),
        eventId,
        "dec-" + eventId,
        new AuditEvent.Principal("alice", "jwt", "https://idp.example.com", "cli-1", List.of("dev", "ops")),
        "127.0.0.1",
        "test-agent/1.0",
        "test-client",
        AuditEvent.sessionDigest("session-1"),
        "tools/call",
        new AuditEvent.Target("tool", "search", "docs", "search_docs", "read"),
        new AuditEvent.Decision(AuditEvent.Verdict.ALLOW, List.of("role dev may read")),
        "rev-7",
        JsonNodeFactory.instance.objectNode().put("query", "hello \"world\"\n").put("limit", 1.5e300),
        new AuditEvent.Outcome(AuditEvent.OutcomeKind.RESULT, null),
        latency,
        321L,
        654L,
        "4bf92f3577b34da6a3ce929d0e0e4736");
  }
}
