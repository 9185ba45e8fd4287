package io.portcullis.auth;

import io.portcullis.Sha256;
import io.portcullis.mcp.McpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opt-in: one log line per /mcp request before authentication, to diagnose clients that drop or
 * mangle their credentials. It shows a token's fingerprint (the first 12 hex digits of its
 * SHA-256), never the token.
 */
final class AuthDiagnostics {
  private static final Logger LOG = LoggerFactory.getLogger("io.portcullis.auth.diagnostics");

  void logRequest(HttpServerRequest http, AuthRequest request) {
    LOG.info("auth-diagnostics {} {} bearer={} fingerprint={} authorization-scheme={} session={} user-agent='{}' origin={} x-forwarded-for={} peer={}",
        http.method(), http.path(),
        request.bearerToken() != null,
        request.bearerToken() == null ? "-" : fingerprint(request.bearerToken()),
        scheme(http.getHeader("Authorization")),
        http.getHeader(McpHeaders.SESSION_ID) != null,
        http.getHeader("User-Agent"), http.getHeader("Origin"), http.getHeader("X-Forwarded-For"), request.peerAddress());
  }

  static String fingerprint(String token) {
    return HexFormat.of().formatHex(Sha256.of(token), 0, 6);
  }

  private static String scheme(String authorization) {
    if (authorization == null) {
      return "-";
    }
    int space = authorization.indexOf(' ');
    return space < 0 ? "(malformed)" : authorization.substring(0, space);
  }
}
