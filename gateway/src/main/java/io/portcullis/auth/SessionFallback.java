package io.portcullis.auth;

import io.portcullis.config.SessionFallbackConfig;
import io.portcullis.mcp.McpHeaders;
import io.portcullis.transport.GatewaySession;
import io.portcullis.transport.SessionManager;
import io.vertx.core.http.HttpServerRequest;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session-bound fallback for clients that drop their bearer token (see
 * {@link SessionFallbackConfig}): the principal of the named session, for a request with no
 * Authorization header from a listed client, from the same address and user agent that created
 * the session, while that principal's credential is unexpired. Every use is logged.
 */
final class SessionFallback {
  private static final Logger LOG = LoggerFactory.getLogger(SessionFallback.class);

  private final SessionManager sessions;
  private final List<Pattern> userAgents;

  SessionFallback(SessionManager sessions, SessionFallbackConfig config) {
    this.sessions = sessions;
    this.userAgents = config.userAgents().stream().map(Pattern::compile).toList();
  }

  Optional<Principal> principalFor(HttpServerRequest http, AuthRequest request) {
    String userAgent = http.getHeader("User-Agent");
    String sessionId = http.getHeader(McpHeaders.SESSION_ID);
    if (request.authorizationPresent() || userAgent == null || sessionId == null
        || userAgents.stream().noneMatch(p -> p.matcher(userAgent).find())) {
      return Optional.empty();
    }
    Optional<Principal> principal = sessions.find(sessionId)
        .filter(s -> s.principal() != null && userAgent.equals(s.userAgent()))
        .filter(s -> s.sourceAddress() != null && s.sourceAddress().equals(request.peerAddress()))
        .map(GatewaySession::principal)
        .filter(p -> p.expiresAt() == null || p.expiresAt().isAfter(Instant.now()));
    principal.ifPresent(p -> LOG.warn("session-bound fallback: request without a token used session {}…'s principal {} ({}) [user agent {}]",
        sessionId.substring(0, Math.min(8, sessionId.length())), p.subject(), p.provider(), userAgent));
    return principal;
  }
}
