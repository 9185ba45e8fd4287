package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.config.PolicyConfig;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The factory that turns the policy configuration into an engine, and where the opa binary is found. */
@ExtendWith(VertxExtension.class)
class PolicyEnginesTest {
  static PolicyConfig config(String engine, String directory, String opaBinary, PolicyConfig.OpaServerConfig server) {
    return new PolicyConfig(engine, directory, opaBinary, server, Duration.ofMillis(500), true, false, null, null);
  }

  @Test
  void theEmbeddedEngineFindsARelativePolicyDirectoryUnderHome(Vertx vertx, @TempDir Path home) throws Exception {
    PolicyDirs.copy(Path.of(PolicyDirs.class.getResource("/policies-fixture").toURI()), home.resolve("policies"));

    PolicyEngine engine = PolicyEngines.create(vertx, config(null, null, null, null), home);
    try {
      engine.start().await(60, TimeUnit.SECONDS);

      assertThat(engine).isInstanceOf(WasmPolicyEngine.class);
      assertThat(engine.status().loaded()).isTrue();
      assertThat(engine.decide(WasmPolicyEngineTest.ping()).await(10, TimeUnit.SECONDS).outcome()).isEqualTo(Decision.Outcome.ALLOW);
    } finally {
      engine.stop().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void theOpaServerEngineIsMadeFromTheServerUrl(Vertx vertx) throws Exception {
    PolicyEngine engine = PolicyEngines.create(vertx,
        config(PolicyConfig.OPA_SERVER, null, null, new PolicyConfig.OpaServerConfig("http://127.0.0.1:8181/", 2)), null);

    assertThat(engine).isInstanceOf(OpaServerPolicyEngine.class);
    assertThat(engine.revision()).isEqualTo("opa-server");
    engine.stop().await(10, TimeUnit.SECONDS);
  }

  @Test
  void anUnknownEngineIsRefusedByName(Vertx vertx) {
    assertThatThrownBy(() -> PolicyEngines.create(vertx, config("rego-in-my-head", null, null, null), null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rego-in-my-head");
  }

  @Test
  void theConfiguredOpaBinaryComesFirst(@TempDir Path home) {
    assertThat(OpaBinary.locate("/opt/opa/bin/opa", home)).isEqualTo(Path.of("/opt/opa/bin/opa"));
  }

  @Test
  void withoutConfigurationTheSystemPropertyNamesTheOpaBinary(@TempDir Path home) {
    assertThat(OpaBinary.locate(null, home)).isEqualTo(Path.of(System.getProperty("portcullis.opa")));
  }

  @Test
  void withNothingElseTheBinaryUnderHomeIsUsed(@TempDir Path home) {
    String property = System.clearProperty("portcullis.opa");
    try {
      Path tools = home.resolve(".tools/bin/opa");
      PolicyDirs.write(tools, "#!/bin/sh\n");
      assertThat(tools.toFile().setExecutable(true)).isTrue();

      assertThat(OpaBinary.locate(null, home)).isEqualTo(System.getenv("PORTCULLIS_OPA") != null ? Path.of(System.getenv("PORTCULLIS_OPA")) : tools);
    } finally {
      System.setProperty("portcullis.opa", property);
    }
  }
}
