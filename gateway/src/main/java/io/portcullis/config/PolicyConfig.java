package io.portcullis.config;

import java.time.Duration;
import java.util.List;

/**
 * How requests are decided. {@code engine}: {@code embedded} (default: the Rego in
 * {@code directory} built to Wasm with the {@code opa} binary and evaluated in-process) or
 * {@code opa-server} (OPA's REST API at {@code server.url}). {@code timeout} bounds one decision
 * (fail closed past it). {@code enforce: false} is a dry run: decisions are computed and recorded
 * but not enforced. {@code watch} reloads the embedded policy when its files change.
 * {@code toolAccess} overrides the access class of tools (by backend and tool-name glob).
 * {@code decisionCache}: how many decisions the embedded engine keeps for repeated inputs when the
 * policy is deterministic (default 4096; 0 evaluates every decision).
 */
public record PolicyConfig(
    String engine,
    String directory,
    String opaBinary,
    OpaServerConfig server,
    Duration timeout,
    Boolean enforce,
    Boolean watch,
    List<ToolAccessOverride> toolAccess,
    Integer decisionCache) {
  public static final String EMBEDDED = "embedded";
  public static final String OPA_SERVER = "opa-server";

  public PolicyConfig {
    engine = engine == null ? EMBEDDED : engine;
    directory = directory == null ? "policies" : directory;
    timeout = timeout == null ? Duration.ofMillis(100) : timeout;
    enforce = enforce == null || enforce;
    watch = watch == null || watch;
    toolAccess = toolAccess == null ? List.of() : List.copyOf(toolAccess);
    decisionCache = decisionCache == null ? 4096 : decisionCache;
  }

  /** OPA running as a server (a sidecar fed by bundles). */
  public record OpaServerConfig(String url, Integer maxConnections) {
    public OpaServerConfig {
      maxConnections = maxConnections == null ? 16 : maxConnections;
    }
  }

  /** The operator's word on a tool's access class: read, write or destructive. */
  public record ToolAccessOverride(String backend, String tools, String access) {
  }
}
