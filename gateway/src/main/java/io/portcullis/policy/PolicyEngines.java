package io.portcullis.policy;

import io.portcullis.config.PolicyConfig;
import io.vertx.core.Vertx;
import java.nio.file.Path;

/** Builds the policy engine a policy configuration names. */
public final class PolicyEngines {
  private PolicyEngines() {
  }

  /**
   * The configured engine, not yet started. {@code home} is the installation directory against
   * which a relative policy directory and the bundled {@code opa} are found (null: the
   * {@code PORTCULLIS_HOME} environment variable, else the working directory).
   */
  public static PolicyEngine create(Vertx vertx, PolicyConfig config, Path home) {
    return switch (config.engine()) {
      case PolicyConfig.EMBEDDED -> new WasmPolicyEngine(vertx, OpaBinary.home(home).resolve(config.directory()),
          OpaBinary.locate(config.opaBinary(), home), config.timeout(), config.watch(), config.decisionCache());
      case PolicyConfig.OPA_SERVER -> {
        if (config.server() == null || config.server().url() == null) {
          throw new IllegalArgumentException("policy.server.url: required for the opa-server engine");
        }
        yield new OpaServerPolicyEngine(vertx, config.server().url(), config.server().maxConnections(), config.timeout());
      }
      default -> throw new IllegalArgumentException("policy.engine: must be 'embedded' or 'opa-server', got '" + config.engine() + "'");
    };
  }
}
