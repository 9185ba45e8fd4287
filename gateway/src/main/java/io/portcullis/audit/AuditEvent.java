package io.portcullis.audit;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.Sha256;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What one request to {@code /mcp} did, on whose behalf, and why it was allowed: one audit
 * record. Fields that were not known when the request ended (no principal for a request refused at
 * authentication, no target for {@code initialize}) are null. {@code session} is already a digest
 * (see {@link #sessionDigest}); {@code arguments} are already redacted. {@code latencyMicros} keeps
 * the caller's stage order.
 */
public record AuditEvent(
    Instant time,
    String eventId,
    String decisionId,
    Principal principal,
    String source,
    String userAgent,
    String clientName,
    String session,
    String method,
    Target target,
    Decision decision,
    String policyRevision,
    JsonNode arguments,
    Outcome outcome,
    Map<String, Long> latencyMicros,
    Long bytesIn,
    Long bytesOut,
    String traceId) {

  public AuditEvent {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(eventId, "eventId");
    arguments = arguments == null ? null : arguments.deepCopy();
    latencyMicros = latencyMicros == null
        ? Map.of()
        : Collections.unmodifiableMap(new LinkedHashMap<>(latencyMicros));
  }

  /** Who made the request, as authentication established it. */
  public record Principal(String subject, String provider, String issuer, String clientId, List<String> roles) {
    public Principal {
      roles = roles == null ? List.of() : List.copyOf(roles);
    }
  }

  /** What the request was aimed at: {@code kind} is tool, resource or prompt. */
  public record Target(String kind, String name, String backend, String upstreamName, String accessClass) {}

  /** What policy (or the gateway, before policy) decided, and why. */
  public record Decision(Verdict verdict, List<String> reasons) {
    public Decision {
      Objects.requireNonNull(verdict, "verdict");
      reasons = reasons == null ? List.of() : List.copyOf(reasons);
    }
  }

  /** The three possible decisions; {@code error} is a decision that could not be made (fail closed). */
  public enum Verdict {
    ALLOW, DENY, ERROR;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** How the request ended; {@code code} is the JSON-RPC error code or HTTP status where there was one. */
  public record Outcome(OutcomeKind kind, Integer code) {
    public Outcome {
      Objects.requireNonNull(kind, "kind");
    }
  }

  /** A tool result, a tool that reported an error, a JSON-RPC error, a backend that failed, or a refusal by the gateway. */
  public enum OutcomeKind {
    RESULT, TOOL_ERROR, JSONRPC_ERROR, BACKEND_FAILURE, REFUSED;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The session id as it appears in the record: a SHA-256 hex digest, so the log cannot be used to hijack a session. */
  public static String sessionDigest(String sessionId) {
    if (sessionId == null) {
      return null;
    }
    return Sha256.hex(sessionId);
  }
}
