package io.portcullis.config;

import java.util.List;

/**
 * The /mcp endpoint: its path, the body limit, DNS-rebinding protection (allowed Host values and
 * Origins) and sessions. An empty {@code allowedOrigins} admits the origins whose host is one of
 * {@code allowedHosts}.
 */
public record McpConfig(
    String path,
    ByteSize maxBodySize,
    Boolean dnsRebindingProtection,
    List<String> allowedHosts,
    List<String> allowedOrigins,
    SessionConfig sessions) {
  public static final List<String> LOOPBACK_HOSTS = List.of("localhost", "127.0.0.1", "[::1]");

  public McpConfig {
    path = path == null ? "/mcp" : path;
    maxBodySize = maxBodySize == null ? ByteSize.ofMebibytes(4) : maxBodySize;
    dnsRebindingProtection = dnsRebindingProtection == null || dnsRebindingProtection;
    allowedHosts = allowedHosts == null ? LOOPBACK_HOSTS : List.copyOf(allowedHosts);
    allowedOrigins = allowedOrigins == null ? List.of() : List.copyOf(allowedOrigins);
    sessions = sessions == null ? new SessionConfig(null, null) : sessions;
  }
}
