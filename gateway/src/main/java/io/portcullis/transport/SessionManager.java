package io.portcullis.transport;

import io.portcullis.auth.Principal;
import io.portcullis.config.SessionConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates, finds and ends gateway sessions: enforces the cap on open sessions and expires idle
 * ones on a timer, ending their backend side too.
 */
public final class SessionManager {
  private static final Logger LOG = LoggerFactory.getLogger(SessionManager.class);

  private final Vertx vertx;
  private final SessionStore store;
  private final SessionConfig config;
  private long sweepTimer = -1;

  public SessionManager(Vertx vertx, SessionStore store, SessionConfig config) {
    this.vertx = vertx;
    this.store = store;
    this.config = config;
  }

  public void startExpiry() {
    long idleMillis = config.idleTimeout().toMillis();
    long period = Math.max(100, Math.min(idleMillis / 4, 30_000));
    sweepTimer = vertx.setPeriodic(period, t -> expireIdle());
  }

  /** Stops expiry and ends every session; completes when their backend sides are closed. */
  public Future<Void> stop() {
    if (sweepTimer >= 0) {
      vertx.cancelTimer(sweepTimer);
    }
    return Future.join(store.all().stream().map(this::end).toList()).<Void>mapEmpty().otherwiseEmpty();
  }

  public boolean isFull() {
    return store.size() >= config.max();
  }

  /** A new session, not yet registered: it is added once its backend sides are open. */
  public GatewaySession create(Principal principal, String sourceAddress, String userAgent) {
    return new GatewaySession(SessionIds.next(), principal, sourceAddress, userAgent);
  }

  public boolean register(GatewaySession session) {
    return store.tryAdd(session, config.max());
  }

  public Optional<GatewaySession> find(String id) {
    return store.find(id).filter(s -> !s.isClosed());
  }

  public int openSessions() {
    return store.size();
  }

  /** SSE streams open to clients across all sessions. */
  public int openStreams() {
    return store.all().stream().mapToInt(GatewaySession::openStreams).sum();
  }

  /** Ends a session and its backend sides; completes when they are closed. */
  public Future<Void> end(GatewaySession session) {
    store.remove(session.id());
    if (!session.markClosed()) {
      return Future.succeededFuture();
    }
    return Future.join(session.upstreams().values().stream().map(u -> u.close()).toList()).<Void>mapEmpty().otherwiseEmpty();
  }

  private void expireIdle() {
    long now = System.nanoTime();
    long idleNanos = config.idleTimeout().toNanos();
    for (GatewaySession session : store.all()) {
      if (session.isIdle(now, idleNanos)) {
        LOG.info("session {}… expired after {} idle", session.id().substring(0, 8), config.idleTimeout());
        end(session);
      }
    }
  }
}
