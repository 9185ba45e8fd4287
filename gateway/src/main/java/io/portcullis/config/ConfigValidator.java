package io.portcullis.config;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Cross-field checks over a loaded configuration; returns every problem, each with its path. */
final class ConfigValidator {
  private static final Pattern BACKEND_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9-]{0,62}");

  List<String> validate(PortcullisConfig config) {
    List<String> problems = new ArrayList<>();
    validateServer(config.server(), problems);
    validateMcp(config.mcp(), problems);
    validateBackends(config.backends(), config.routing(), problems);
    validateRouting(config.routing(), problems);
    validateAudit(config.audit(), problems);
    new AuthConfigValidator().validate(config.auth(), problems);
    validatePolicy(config.policy(), config.backends(), problems);
    return problems;
  }

  private void validateServer(ServerConfig server, List<String> problems) {
    if (server.port() < 0 || server.port() > 65535) {
      problems.add("server.port: must be between 0 and 65535");
    }
    if (server.eventLoops() < 1 || server.eventLoops() > 64) {
      problems.add("server.eventLoops: must be between 1 and 64");
    }
    if (!server.transport().equals(ServerConfig.NATIVE) && !server.transport().equals(ServerConfig.NIO)) {
      problems.add("server.transport: must be 'native' or 'nio', got '" + server.transport() + "'");
    }
    if (server.publicUrl() != null) {
      URI uri = parseUri(server.publicUrl());
      if (uri == null || uri.getHost() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
        problems.add("server.publicUrl: must be an absolute http(s) URL");
      } else if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")) {
        problems.add("server.publicUrl: must not have a path (the /mcp path is mcp.path)");
      }
    }
  }

  private void validateMcp(McpConfig mcp, List<String> problems) {
    if (!mcp.path().startsWith("/") || mcp.path().length() < 2) {
      problems.add("mcp.path: must start with / and name a path, e.g. /mcp");
    }
    if (mcp.maxBodySize().bytes() < 1024) {
      problems.add("mcp.maxBodySize: must be at least 1KiB");
    }
    if (mcp.dnsRebindingProtection() && mcp.allowedHosts().isEmpty()) {
      problems.add("mcp.allowedHosts: must not be empty while dnsRebindingProtection is on");
    }
    for (int i = 0; i < mcp.allowedOrigins().size(); i++) {
      URI origin = parseUri(mcp.allowedOrigins().get(i));
      if (origin == null || origin.getScheme() == null || origin.getHost() == null) {
        problems.add("mcp.allowedOrigins[" + i + "]: must be an origin such as https://app.example.com");
      }
    }
    if (mcp.sessions().max() < 1) {
      problems.add("mcp.sessions.max: must be at least 1");
    }
    if (mcp.sessions().idleTimeout().isNegative() || mcp.sessions().idleTimeout().isZero()) {
      problems.add("mcp.sessions.idleTimeout: must be positive");
    }
  }

  private void validatePolicy(PolicyConfig policy, List<BackendConfig> backends, List<String> problems) {
    if (!policy.engine().equals(PolicyConfig.EMBEDDED) && !policy.engine().equals(PolicyConfig.OPA_SERVER)) {
      problems.add("policy.engine: must be 'embedded' or 'opa-server'");
    }
    if (policy.engine().equals(PolicyConfig.OPA_SERVER)
        && (policy.server() == null || policy.server().url() == null || parseUri(policy.server().url()) == null
            || parseUri(policy.server().url()).getHost() == null)) {
      problems.add("policy.server.url: required for the opa-server engine, e.g. http://127.0.0.1:8181");
    }
    if (policy.timeout().isNegative() || policy.timeout().isZero()) {
      problems.add("policy.timeout: must be positive");
    }
    if (policy.decisionCache() < 0) {
      problems.add("policy.decisionCache: must be 0 (off) or a number of decisions, got " + policy.decisionCache());
    }
    Set<String> backendNames = new HashSet<>();
    backends.forEach(b -> backendNames.add(b.name()));
    for (int i = 0; i < policy.toolAccess().size(); i++) {
      PolicyConfig.ToolAccessOverride o = policy.toolAccess().get(i);
      String at = "policy.toolAccess[" + i + "]";
      if (o.access() == null || !Set.of("read", "write", "destructive").contains(o.access())) {
        problems.add(at + ".access: must be read, write or destructive");
      }
      if (o.tools() == null || o.tools().isBlank()) {
        problems.add(at + ".tools: required, a glob on tool names such as delete_*");
      } else {
        try {
          io.portcullis.policy.Glob.of(o.tools());
        } catch (IllegalArgumentException e) {
          problems.add(at + ".tools: " + e.getMessage());
        }
      }
      if (o.backend() != null && !backendNames.contains(o.backend())) {
        problems.add(at + ".backend: no backend is named '" + o.backend() + "'");
      }
    }
  }

  private void validateAudit(AuditConfig audit, List<String> problems) {
    if (!Set.of(AuditConfig.FILE, AuditConfig.STDOUT).contains(audit.sink())) {
      problems.add("audit.sink: must be 'file' or 'stdout'");
    }
    if (!Set.of(AuditConfig.FSYNC_ALWAYS, AuditConfig.FSYNC_INTERVAL, AuditConfig.FSYNC_NEVER).contains(audit.fsync())) {
      problems.add("audit.fsync: must be 'always', 'interval' or 'never'");
    }
    if (!positive(audit.fsyncInterval())) {
      problems.add("audit.fsyncInterval: must be positive");
    }
    if (audit.queueCapacity() < 1) {
      problems.add("audit.queueCapacity: must be at least 1");
    }
    if (audit.rotateSize().bytes() < 1024) {
      problems.add("audit.rotateSize: must be at least 1KiB");
    }
    if (!positive(audit.rotateInterval())) {
      problems.add("audit.rotateInterval: must be positive");
    }
    if (audit.retainFiles() < 1) {
      problems.add("audit.retainFiles: must be at least 1");
    }
    if (!Set.of("record", "digest", "omit").contains(audit.arguments())) {
      problems.add("audit.arguments: must be 'record', 'digest' or 'omit'");
    }
    for (int i = 0; i < audit.redact().size(); i++) {
      try {
        io.portcullis.audit.ArgumentRedactor.parse(audit.redact().get(i));
      } catch (IllegalArgumentException e) {
        problems.add("audit.redact[" + i + "]: " + e.getMessage());
      }
    }
  }

  private void validateRouting(RoutingConfig routing, List<String> problems) {
    if (routing.separator().isEmpty() || !routing.separator().chars().allMatch(c -> c > 32 && c < 127)
        || routing.separator().contains("+") || routing.separator().contains(":")) {
      problems.add("routing.separator: must be printable ASCII without spaces, '+' or ':', e.g. __");
    }
    if (!positive(routing.listTimeout())) {
      problems.add("routing.listTimeout: must be positive");
    }
    if (routing.circuitFailures() < 1) {
      problems.add("routing.circuitFailures: must be at least 1");
    }
    if (!positive(routing.circuitOpenFor())) {
      problems.add("routing.circuitOpenFor: must be positive");
    }
    if (!positive(routing.rejoinBackoff())) {
      problems.add("routing.rejoinBackoff: must be positive");
    }
  }

  private void validateBackends(List<BackendConfig> backends, RoutingConfig routing, List<String> problems) {
    if (backends.isEmpty()) {
      problems.add("backends: at least one backend is required");
    }
    long unprefixed = backends.stream().filter(b -> Boolean.FALSE.equals(b.prefix())).count();
    if (backends.size() > 1 && unprefixed > 1) {
      problems.add("backends: at most one backend may be mounted without a prefix (prefix: false), "
          + "or their names could collide");
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < backends.size(); i++) {
      BackendConfig b = backends.get(i);
      String at = "backends[" + i + "]";
      if (b.name() == null || !BACKEND_NAME.matcher(b.name()).matches()) {
        problems.add(at + ".name: required; a letter, then letters, digits and dashes, up to 63 characters");
      } else if (!routing.separator().isEmpty() && b.name().contains(routing.separator())) {
        problems.add(at + ".name: '" + b.name() + "' contains the separator '" + routing.separator()
            + "', so its tool names would be ambiguous");
      } else if (!names.add(b.name())) {
        problems.add(at + ".name: '" + b.name() + "' is used by another backend");
      }
      long kinds = java.util.stream.Stream.of(b.http(), b.sse(), b.stdio()).filter(java.util.Objects::nonNull).count();
      if (kinds != 1) {
        problems.add(at + ": set exactly one of 'http', 'sse' and 'stdio'");
      }
      if (b.http() != null) {
        validateHttp(b.http(), at + ".http", problems);
      }
      if (b.sse() != null) {
        validateHttp(b.sse(), at + ".sse", problems);
      }
      if (b.stdio() != null && b.stdio().command().isEmpty()) {
        problems.add(at + ".stdio.command: required, e.g. [npx, -y, '@modelcontextprotocol/server-everything']");
      }
      if (b.stdio() != null && b.stdio().maxSubscriptions() < 1) {
        problems.add(at + ".stdio.maxSubscriptions: must be at least 1");
      }
    }
  }

  private void validateHttp(HttpBackendConfig http, String at, List<String> problems) {
    URI url = http.url() == null ? null : parseUri(http.url());
    if (url == null || url.getHost() == null || url.getScheme() == null
        || !(url.getScheme().equals("http") || url.getScheme().equals("https"))) {
      problems.add(at + ".url: required, an absolute http(s) URL");
    }
    for (String header : http.headers().keySet()) {
      String lower = header.toLowerCase();
      if (lower.equals("mcp-session-id") || lower.equals("mcp-protocol-version") || lower.equals("content-length")
          || lower.equals("host")) {
        problems.add(at + ".headers." + header + ": set by the gateway, cannot be configured");
      }
    }
    if (http.oauth() != null) {
      validateClientCredentials(http, at + ".oauth", problems);
    }
    if (http.maxConnections() < 1) {
      problems.add(at + ".maxConnections: must be at least 1");
    }
  }

  private void validateClientCredentials(HttpBackendConfig http, String at, List<String> problems) {
    ClientCredentialsConfig oauth = http.oauth();
    URI tokenUrl = oauth.tokenUrl() == null ? null : parseUri(oauth.tokenUrl());
    if (tokenUrl == null || tokenUrl.getHost() == null
        || !("http".equals(tokenUrl.getScheme()) || "https".equals(tokenUrl.getScheme()))) {
      problems.add(at + ".tokenUrl: required, an absolute http(s) URL");
    }
    if (oauth.clientId() == null || oauth.clientId().isBlank()) {
      problems.add(at + ".clientId: required");
    }
    if (oauth.clientSecret() == null || oauth.clientSecret().isBlank()) {
      problems.add(at + ".clientSecret: required; give it as ${ENV_VAR}");
    }
    if (http.headers().keySet().stream().anyMatch(h -> h.equalsIgnoreCase("authorization"))) {
      problems.add(at + ": set either oauth or an Authorization header, not both");
    }
  }

  private static boolean positive(java.time.Duration d) {
    return !d.isNegative() && !d.isZero();
  }

  private static URI parseUri(String text) {
    try {
      return new URI(text);
    } catch (Exception e) {
      return null;
    }
  }
}
