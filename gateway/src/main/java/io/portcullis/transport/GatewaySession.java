package io.portcullis.transport;

import io.portcullis.auth.Principal;
import io.portcullis.mcp.JsonRpcNotification;
import io.portcullis.mcp.JsonRpcRequest;
import io.portcullis.routing.UpstreamSession;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A client's MCP session with the gateway: its own id, the principal that created it, the
 * protocol version agreed at initialize, and one session per backend kept behind it (a backend
 * that was down at initialize joins later). Thread-safe: a client may use one session over
 * several connections served by different event loops.
 */
public final class GatewaySession {
  private final String id;
  private final Principal principal;
  private final String sourceAddress;
  private final String userAgent;
  private final AtomicInteger openStreams = new AtomicInteger();
  private final Map<String, UpstreamSession> upstreams = new ConcurrentHashMap<>();
  /** The GET streams listening for the gateway's own notifications, newest first. */
  private final Deque<Listener> listeners = new ConcurrentLinkedDeque<>();
  private volatile JsonRpcRequest initialize;
  private volatile boolean clientInitialized;
  private volatile String protocolVersion;
  private volatile com.fasterxml.jackson.databind.JsonNode clientInfo;
  private final ToolCatalog tools = new ToolCatalog();
  private volatile long lastSeenNanos = System.nanoTime();
  private volatile boolean closed;

  public GatewaySession(String id, Principal principal, String sourceAddress, String userAgent) {
    this.id = id;
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

  /** Backend {@code name}'s side of this session, or null while that backend is not part of it. */
  public UpstreamSession upstream(String name) {
    return upstreams.get(name);
  }

  /** Every backend's side of this session, by backend name (a snapshot). */
  public Map<String, UpstreamSession> upstreams() {
    return Map.copyOf(upstreams);
  }

  /** Adds backend {@code name}'s side; false (and nothing changes) if the session has ended. */
  public synchronized boolean join(String name, UpstreamSession upstream) {
    if (closed) {
      return false;
    }
    upstreams.put(name, upstream);
    return true;
  }

  /** The client's initialize request, which opens the backends that join later. */
  public JsonRpcRequest initializeRequest() {
    return initialize;
  }

  /** Whether the client has sent notifications/initialized (a late backend must then be told so by the gateway). */
  public boolean clientInitialized() {
    return clientInitialized;
  }

  public void markClientInitialized() {
    clientInitialized = true;
  }

  /**
   * Sends a notification of the gateway's own on one open GET stream of this session, as the spec
   * requires (a message is never broadcast across streams): the newest that was not opened to
   * resume another stream, whose messages should relate to that stream's request, else the
   * newest. With no stream open it is dropped.
   */
  public void notifyClient(JsonRpcNotification notification) {
    Listener chosen = null;
    for (Listener listener : listeners) {
      if (!listener.resuming()) {
        chosen = listener;
        break;
      }
      chosen = chosen == null ? listener : chosen;
    }
    if (chosen != null) {
      chosen.deliver().accept(notification);
    }
  }

  /**
   * Listens for the gateway's own notifications on a GET stream, {@code resuming} when it was
   * opened with a Last-Event-ID; the returned action stops listening.
   */
  public Runnable onNotification(Consumer<JsonRpcNotification> deliver, boolean resuming) {
    Listener listener = new Listener(deliver, resuming);
    listeners.addFirst(listener);
    return () -> listeners.remove(listener);
  }

  public String protocolVersion() {
    return protocolVersion;
  }

  /** Records what the client's initialize settled: the request, the agreed version and the clientInfo. */
  public void initialized(JsonRpcRequest request, String version, com.fasterxml.jackson.databind.JsonNode client) {
    this.initialize = request;
    this.protocolVersion = version;
    this.clientInfo = client;
  }

  /** The clientInfo the client gave at initialize ({name, version}), or null. */
  public com.fasterxml.jackson.databind.JsonNode clientInfo() {
    return clientInfo;
  }

  /** The tools this session's backends have listed, with their annotations. */
  public ToolCatalog tools() {
    return tools;
  }

  public void touch() {
    lastSeenNanos = System.nanoTime();
  }

  /** The SSE streams to the client open on this session now. */
  public int openStreams() {
    return openStreams.get();
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
    listeners.clear();
    return true;
  }

  /** A GET stream that may carry the gateway's own notifications. */
  private record Listener(Consumer<JsonRpcNotification> deliver, boolean resuming) {
  }
}
