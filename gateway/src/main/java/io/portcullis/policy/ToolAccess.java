package io.portcullis.policy;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.config.PolicyConfig;
import java.util.List;

/**
 * A tool's access class: {@code read}, {@code write} or {@code destructive}. The operator's
 * override (backend and tool-name glob) wins; otherwise the tool's MCP annotations, read as the
 * specification defines them: readOnlyHint true → read; else destructiveHint false → write; else
 * destructive (readOnlyHint defaults to false, destructiveHint to true). An override's glob is
 * matched as the policy's globs are ({@link Glob}): {@code *delete*} covers {@code admin/delete_user}.
 */
public final class ToolAccess {
  public static final String READ = "read";
  public static final String WRITE = "write";
  public static final String DESTRUCTIVE = "destructive";

  private record Override(String backend, Glob tools, String access) {
  }

  private final List<Override> overrides;

  public ToolAccess(List<PolicyConfig.ToolAccessOverride> config) {
    this.overrides = config.stream()
        .map(o -> new Override(o.backend(), Glob.of(o.tools()), o.access()))
        .toList();
  }

  /** The access class of {@code tool} (its definition from tools/list, possibly null) on {@code backend}. */
  public String classify(String backend, String toolName, JsonNode tool) {
    for (Override o : overrides) {
      if ((o.backend() == null || o.backend().equals(backend)) && o.tools().matches(toolName)) {
        return o.access();
      }
    }
    JsonNode annotations = tool == null ? null : tool.get("annotations");
    if (annotations != null && annotations.path("readOnlyHint").asBoolean(false)) {
      return READ;
    }
    if (annotations != null && annotations.has("destructiveHint") && !annotations.get("destructiveHint").asBoolean(true)) {
      return WRITE;
    }
    return DESTRUCTIVE;
  }
}
