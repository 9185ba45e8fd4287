package io.portcullis.transport;

import io.portcullis.auth.Principal;
import io.portcullis.routing.Backend;
import io.portcullis.routing.UpstreamSession;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client's MCP session with the gateway: its own id, the principal that created it, the
 * protocol version agreed at initialize, and the backend session kept behind it. Thread-safe: a client may use one session
 * over several connections served by different event loops.
 */
public final class GatewaySession {
  private final String id;
  private final Backend backend;
  private final Principal principal;
  private final String sourceAddress;
  private final String userAgent;
  private final AtomicInteger openStreams = new AtomicInteger();
  private volatile UpstreamSession upstream;
  private volatile String protocolVersion;
  private volatile com.fasterxml.jackson.databind.JsonNode clientInfo;
  private final ToolCatalog tools = new ToolCatalog();
  private volatile long lastSeenNanos = System.nanoTime();
  private volatile boolean closed;

  public GatewaySession(String id, Backend backend, Principal principal, String sourceAddress, String userAgent) {
    this.id = id;
    this.backend = backend;
    this.principal = principal;
    this.sourceAddress = sourceAddress;
    this.userAgent = userAgent;
  }

  /** The socket peer that created the session. */
  public String sourceAddress() {
    return sourceAddress;
  }

  /** The User-Agent of the request that created the session, or null. */
  public String userAgent() {
    return userAgent;
  }

  /** The caller that created the session: the only one who may use it. */
  public Principal principal() {
    return principal;
  }

  public String id() {
    return id;
  }

  public Backend backend() {
    return backend;
  }

  /** The backend's side of this session; null until initialize has been answered. */
  public UpstreamSession upstream() {
    return upstream;
  }

  public String protocolVersion() {
    return protocolVersion;
  }

  public void attach(UpstreamSession upstreamSession, String version, com.fasterxml.jackson.databind.JsonNode client) {
    this.upstream = upstreamSession;
    this.protocolVersion = version;
    this.clientInfo = client;
  }

  /** The clientInfo the client gave at initialize ({name, version}), or null. */
  public com.fasterxml.jackson.databind.JsonNode clientInfo() {
    return clientInfo;
  }

  /** The tools this session's backend has listed, with their annotations. */
  public ToolCatalog tools() {
    return tools;
  }

  public void touch() {
    lastSeenNanos = System.nanoTime();
  }

  public void streamOpened() {
    openStreams.incrementAndGet();
    touch();
  }

  public void streamClosed() {
    openStreams.decrementAndGet();
    touch();
  }

  /** True when nothing has used the session for {@code idleNanos} and no stream is open. */
  public boolean isIdle(long nowNanos, long idleNanos) {
    return openStreams.get() == 0 && nowNanos - lastSeenNanos > idleNanos;
  }

  public boolean isClosed() {
    return closed;
  }

  /** Marks the session ended; returns false if it already was. */
  public synchronized boolean markClosed() {
    if (closed) {
      return false;
    }
    closed = true;
    return true;
  }
}
