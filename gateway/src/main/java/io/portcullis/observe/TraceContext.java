package io.portcullis.observe;

import java.util.HexFormat;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * W3C trace context (traceparent) for one client request: continued from the client's header when
 * it has a valid one, started afresh otherwise, and passed to HTTP backends as the parent of a new
 * span. The value travels to the upstream HTTP client through {@link #propagating}: the client
 * reads it synchronously when a request to a backend is started.
 *
 * @param traceId  32 lowercase hex digits
 * @param parentId the span id a backend request names as its parent (the gateway's span)
 * @param flags    the trace flags, two hex digits
 */
public record TraceContext(String traceId, String parentId, String flags) {
  private static final Pattern TRACEPARENT = Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})");
  private static final String INVALID_TRACE = "0".repeat(32);
  private static final String INVALID_SPAN = "0".repeat(16);
  private static final ThreadLocal<TraceContext> CURRENT = new ThreadLocal<>();

  /** The context of a request carrying {@code traceparent} (may be null): its trace continued, with a span of the gateway's own. */
  public static TraceContext continueOrStart(String traceparent) {
    var m = traceparent == null ? null : TRACEPARENT.matcher(traceparent.trim());
    if (m != null && m.matches() && !m.group(1).equals(INVALID_TRACE) && !m.group(2).equals(INVALID_SPAN)) {
      return new TraceContext(m.group(1), randomHex(8), m.group(3));
    }
    return new TraceContext(randomHex(16), randomHex(8), "01");
  }

  /** The traceparent header for a request the gateway sends on this trace. */
  public String traceparent() {
    return "00-" + traceId + "-" + parentId + "-" + flags;
  }

  /** Runs {@code call} with this context visible to upstream requests it starts synchronously. */
  public <T> T propagating(Supplier<T> call) {
    TraceContext previous = CURRENT.get();
    CURRENT.set(this);
    try {
      return call.get();
    } finally {
      CURRENT.set(previous);
    }
  }

  /** The context of the request being forwarded on this thread right now, or null. */
  public static TraceContext current() {
    return CURRENT.get();
  }

  private static String randomHex(int bytes) {
    // Trace ids must be unique, not secret: a per-thread generator keeps entropy reads off the request path.
    byte[] random = new byte[bytes];
    java.util.concurrent.ThreadLocalRandom.current().nextBytes(random);
    return HexFormat.of().formatHex(random);
  }
}
