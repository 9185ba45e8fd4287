package io.portcullis.config;

import java.util.List;

/** The whole gateway configuration, immutable and shared read-only once loaded. */
public record PortcullisConfig(ServerConfig server, McpConfig mcp, AuthConfig auth, PolicyConfig policy, List<BackendConfig> backends,
    RoutingConfig routing, AuditConfig audit) {
  public PortcullisConfig {
    policy = policy == null ? new PolicyConfig(null, null, null, null, null, null, null, null, null) : policy;
    auth = auth == null ? new AuthConfig(null, null, null, null, null, null, null, null, null) : auth;
    server = server == null ? new ServerConfig(null, null, null, null, null) : server;
    mcp = mcp == null ? new McpConfig(null, null, null, null, null, null) : mcp;
    backends = backends == null ? List.of() : List.copyOf(backends);
    routing = routing == null ? RoutingConfig.defaults() : routing;
    audit = audit == null ? AuditConfig.defaults() : audit;
  }
}
