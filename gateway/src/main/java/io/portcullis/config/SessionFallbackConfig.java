package io.portcullis.config;

import java.util.List;

/**
 * Off by default. For clients known to drop their bearer token after finishing OAuth (named by
 * user-agent regular expressions), a request with no Authorization header that names an existing
 * session may use that session's principal: only from the same source address and user agent as
 * the request that created it, and only until that principal's credential expires. The MCP
 * specification says sessions must not be used for authentication: this trades that rule for
 * working clients, and every use is logged.
 */
public record SessionFallbackConfig(Boolean enabled, List<String> userAgents) {
  public SessionFallbackConfig {
    enabled = enabled != null && enabled;
    userAgents = userAgents == null ? List.of() : List.copyOf(userAgents);
  }
}
