package io.portcullis.auth;

import io.vertx.core.json.JsonArray;
import java.util.List;
import java.util.function.Supplier;

/**
 * Whether a token was issued for this gateway: its {@code aud} claim (a string or an array) names
 * one of the expected audiences, by default the gateway's public /mcp URL (MCP authorization,
 * "Token Audience Binding and Validation"; RFC 8707). A token another service's audience carries
 * is refused even when its issuer is trusted, so a token leaked from that service is useless here.
 */
public final class AudienceCheck {
  private final boolean enabled;
  private final List<String> configured;
  private final Supplier<String> defaultAudience;

  /**
   * {@code configured} audiences win; when empty, {@code defaultAudience} supplies the gateway's
   * public /mcp URL (null until it is known). {@code enabled} false accepts any audience.
   */
  public AudienceCheck(boolean enabled, List<String> configured, Supplier<String> defaultAudience) {
    this.enabled = enabled;
    this.configured = List.copyOf(configured);
    this.defaultAudience = defaultAudience;
  }

  /** What is wrong with {@code aud} (the claim's JSON value, or null when absent), or null when it names this gateway. */
  public String problem(Object aud) {
    if (!enabled) {
      return null;
    }
    List<String> expected = configured.isEmpty()
        ? (defaultAudience.get() == null ? List.of() : List.of(defaultAudience.get()))
        : configured;
    if (expected.isEmpty()) {
      return "the gateway's public URL, the expected audience, is not known yet";
    }
    List<Object> presented = aud instanceof JsonArray array ? array.getList() : aud == null ? List.of() : List.of(aud);
    if (presented.stream().anyMatch(expected::contains)) {
      return null;
    }
    return "aud " + (aud == null ? "(none)" : aud) + " does not name " + String.join(" or ", expected);
  }
}
