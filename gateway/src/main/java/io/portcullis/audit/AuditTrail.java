package io.portcullis.audit;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.mcp.JsonRpcMessage;
import io.portcullis.mcp.JsonRpcNotification;
import io.portcullis.mcp.JsonRpcRequest;
import io.portcullis.observe.TraceContext;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the gateway learns about one client message while it travels the pipeline, filled in by
 * each stage and turned into exactly one {@link AuditEvent} when the message is answered. One
 * trail per message: a batch gives each element its own. Fields are set as each stage learns
 * them and read once at the end; a message is handled by one context at a time, so plain
 * volatile fields suffice.
 */
public final class AuditTrail {
  private final Instant time;
  private final long startNanos;
  private final String eventId = Ids.randomUuid();
  private final AtomicBoolean recorded = new AtomicBoolean();
  private final Map<String, Long> latencyMicros = new LinkedHashMap<>();
  private final String source;
  private final String userAgent;
  private final TraceContext trace;
  private volatile AuditEvent.Principal principal;
  private volatile String sessionId;
  private volatile String clientName;
  private volatile String method;
  private volatile JsonNode arguments;
  private volatile String targetKind;
  private volatile String targetName;
  private volatile String backend;
  private volatile String upstreamName;
  private volatile String accessClass;
  private volatile AuditEvent.Verdict verdict;
  private volatile List<String> reasons = List.of();
  private volatile String decisionId;
  private volatile String policyRevision;
  private volatile Long bytesIn;

  public AuditTrail(String source, String userAgent, TraceContext trace) {
    this(Instant.now(), System.nanoTime(), source, userAgent, trace);
  }

  private AuditTrail(Instant time, long startNanos, String source, String userAgent, TraceContext trace) {
    this.time = time;
    this.startNanos = startNanos;
    this.source = source;
    this.userAgent = userAgent;
    this.trace = trace;
  }

  /** The request's trace context, or null when it is not traced (a bare reply in tests). */
  public TraceContext trace() {
    return trace;
  }

  /** A trail for one element of a batch: what the batch's request already established, nothing of its own yet. */
  public AuditTrail forElement() {
    AuditTrail element = new AuditTrail(time, startNanos, source, userAgent, trace);
    element.principal = principal;
    element.sessionId = sessionId;
    element.clientName = clientName;
    element.bytesIn = bytesIn;
    synchronized (latencyMicros) {
      element.latencyMicros.putAll(latencyMicros);
    }
    return element;
  }

  public void principal(String subject, String provider, String issuer, String clientId, List<String> roles) {
    this.principal = new AuditEvent.Principal(subject, provider, issuer, clientId, roles);
  }

  public void session(String id, String client) {
    this.sessionId = id;
    if (client != null) {
      this.clientName = client;
    }
  }

  /** The message's method and, for a tool call or a prompt, its arguments (the very object forwarded). */
  public void message(JsonRpcMessage message) {
    if (message instanceof JsonRpcRequest request) {
      this.method = request.method();
      this.arguments = request.params() == null ? null : request.params().get("arguments");
      if (request.isInitialize() && request.params() != null && request.params().path("clientInfo").path("name").isTextual()) {
        this.clientName = request.params().get("clientInfo").get("name").asText();
      }
    } else if (message instanceof JsonRpcNotification notification) {
      this.method = notification.method();
    } else if (message != null) {
      this.method = "response";
    }
  }

  /** The HTTP method stands in for a request without a JSON-RPC message (GET, DELETE). */
  public void methodIfUnknown(String httpMethod) {
    if (method == null) {
      method = httpMethod;
    }
  }

  public void target(String kind, String name, String backendName, String upstream) {
    this.targetKind = kind;
    this.targetName = name;
    this.backend = backendName;
    this.upstreamName = upstream;
  }

  public void accessClass(String access) {
    this.accessClass = access;
  }

  /** What decided the message: policy (with its decision id and revision), or the gateway refusing it before policy. */
  public void decision(AuditEvent.Verdict outcome, List<String> why, String id, String revision) {
    this.verdict = outcome;
    this.reasons = why == null ? List.of() : List.copyOf(why);
    this.decisionId = id;
    this.policyRevision = revision;
  }

  public boolean hasDecision() {
    return verdict != null;
  }

  public void bytesIn(long bytes) {
    this.bytesIn = bytes;
  }

  /** Adds the time a stage took. */
  public void stage(String name, long micros) {
    synchronized (latencyMicros) {
      latencyMicros.merge(name, micros, Long::sum);
    }
  }

  /** Claims the one record of this trail; false if it was already claimed. */
  boolean claim() {
    return recorded.compareAndSet(false, true);
  }

  /** Marks the trail as recorded elsewhere (a batch, whose elements each have their own). */
  public void handOver() {
    recorded.set(true);
  }

  String eventId() {
    return eventId;
  }

  String method() {
    return method;
  }

  String backend() {
    return backend;
  }

  String targetKind() {
    return targetKind;
  }

  AuditEvent.Verdict verdict() {
    return verdict;
  }

  /** The record, with the redacted arguments, the outcome and the total time. */
  AuditEvent toEvent(JsonNode recordedArguments, AuditEvent.Outcome outcome, Long bytesOut) {
    Map<String, Long> latency;
    synchronized (latencyMicros) {
      latency = new LinkedHashMap<>(latencyMicros);
    }
    long total = (System.nanoTime() - startNanos) / 1_000;
    if (latency.containsKey("authorize") && !latency.containsKey("forward")) {
      // The record is written before the answer's last message is: forward is the time until then.
      long staged = 0;
      for (long micros : latency.values()) {
        staged += micros;
      }
      latency.put("forward", Math.max(0, total - staged));
    }
    latency.put("total", total);
    AuditEvent.Target target = targetKind == null && targetName == null && backend == null ? null
        : new AuditEvent.Target(targetKind, targetName, backend, upstreamName, accessClass);
    AuditEvent.Decision decision = verdict == null ? null : new AuditEvent.Decision(verdict, reasons);
    return new AuditEvent(time, eventId, decisionId, principal, source, userAgent, clientName,
        AuditEvent.sessionDigest(sessionId), method, target, decision, policyRevision, recordedArguments, outcome, latency,
        bytesIn, bytesOut, trace == null ? null : trace.traceId());
  }

  JsonNode arguments() {
    return arguments;
  }
}
