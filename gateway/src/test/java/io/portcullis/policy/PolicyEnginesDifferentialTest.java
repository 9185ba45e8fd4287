package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Both engines over the same Rego: the embedded Wasm engine and a real {@code opa run --server}
 * started by the test must return identical decisions (allow, reasons, required scopes) for every
 * input of the table, one by one and as lists.
 */
@ExtendWith(VertxExtension.class)
class PolicyEnginesDifferentialTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  /** Two started engines over one policy directory, and the OPA server behind one of them. */
  record EnginePair(WasmPolicyEngine embedded, OpaServerPolicyEngine server, OpaServerProcess opa) {
    static EnginePair start(Vertx vertx, Path policy, Path cache) throws Exception {
      OpaServerProcess opa = OpaServerProcess.start(vertx, policy);
      WasmPolicyEngine embedded = new WasmPolicyEngine(vertx, policy, PolicyDirs.opa(), TIMEOUT, false, cache, 4, 0);
      OpaServerPolicyEngine server = new OpaServerPolicyEngine(vertx, opa.url(), 4, TIMEOUT);
      embedded.start().await(60, TimeUnit.SECONDS);
      server.start().await(10, TimeUnit.SECONDS);
      return new EnginePair(embedded, server, opa);
    }

    Decision embedded(ObjectNode input) throws Exception {
      return embedded.decide(input).await(10, TimeUnit.SECONDS);
    }

    Decision server(ObjectNode input) throws Exception {
      return server.decide(input).await(10, TimeUnit.SECONDS);
    }

    void stop() throws Exception {
      embedded.stop().await(10, TimeUnit.SECONDS);
      server.stop().await(10, TimeUnit.SECONDS);
      opa.close();
    }
  }

  static void assertSameDecision(Decision embedded, Decision server) {
    assertThat(server.outcome()).as("outcome (server: %s, embedded: %s)", server.reasons(), embedded.reasons()).isEqualTo(embedded.outcome());
    assertThat(server.reasons()).as("reasons").isEqualTo(embedded.reasons());
    assertThat(server.requiredScopes()).as("required scopes").isEqualTo(embedded.requiredScopes());
  }

  static Stream<PolicyInputTable.Case> table() {
    return PolicyInputTable.all().stream();
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class OverTheFixturePolicy {
    EnginePair engines;

    @BeforeAll
    void start(Vertx vertx, @TempDir Path tmp) throws Exception {
      engines = EnginePair.start(vertx, PolicyDirs.fixtureCopy(tmp), tmp.resolve("cache"));
    }

    @AfterAll
    void stop() throws Exception {
      engines.stop();
    }

    @Test
    void theTableHasAtLeastFiftyInputsWithBothOutcomes() {
      List<PolicyInputTable.Case> all = PolicyInputTable.all();
      assertThat(all).hasSizeGreaterThanOrEqualTo(50);
      assertThat(all).filteredOn(PolicyInputTable.Case::allowedByFixture).hasSizeGreaterThanOrEqualTo(15);
      assertThat(all).filteredOn(c -> !c.allowedByFixture()).hasSizeGreaterThanOrEqualTo(15);
      assertThat(PolicyInputTable.listItems()).hasSizeGreaterThanOrEqualTo(8);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.portcullis.policy.PolicyEnginesDifferentialTest#table")
    void bothEnginesDecideEachInputAlike(PolicyInputTable.Case c) throws Exception {
      Decision embedded = engines.embedded(c.input());
      Decision server = engines.server(c.input());
      assertThat(embedded.outcome()).as("embedded decision %s", embedded.reasons())
          .isEqualTo(c.allowedByFixture() ? Decision.Outcome.ALLOW : Decision.Outcome.DENY);
      assertSameDecision(embedded, server);
    }

    @Test
    void bothEnginesDecideAListItemByItemAsTheyDecideEachItemAlone() throws Exception {
      List<ObjectNode> items = PolicyInputTable.listItems().stream().map(PolicyInputTable.Case::input).toList();
      List<Decision> embedded = engines.embedded().decideAll(items).await(10, TimeUnit.SECONDS);
      List<Decision> server = engines.server().decideAll(items).await(10, TimeUnit.SECONDS);
      assertThat(embedded).hasSameSizeAs(items);
      assertThat(server).hasSameSizeAs(items);
      for (int i = 0; i < items.size(); i++) {
        assertThat(embedded.get(i).outcome()).isNotEqualTo(Decision.Outcome.ERROR);
        assertSameDecision(embedded.get(i), server.get(i));
        assertSameDecision(engines.embedded(items.get(i)), embedded.get(i));
      }
    }

    @Test
    void bothEnginesDecideTheWholeTableAsOneList() throws Exception {
      List<PolicyInputTable.Case> cases = PolicyInputTable.all();
      List<ObjectNode> items = cases.stream().map(PolicyInputTable.Case::input).toList();
      List<Decision> embedded = engines.embedded().decideAll(items).await(10, TimeUnit.SECONDS);
      List<Decision> server = engines.server().decideAll(items).await(10, TimeUnit.SECONDS);
      for (int i = 0; i < items.size(); i++) {
        assertThat(embedded.get(i).allowed()).as(cases.get(i).name()).isEqualTo(cases.get(i).allowedByFixture());
        assertSameDecision(embedded.get(i), server.get(i));
      }
    }

    @Test
    void stepUpScopesAndSeveralReasonsComeBackInOneOrderFromBoth() throws Exception {
      ObjectNode input = PolicyInputTable.call(PolicyInputTable.anonymous("admin"), PolicyInputTable.tool("payroll__create_release", "payroll", "write"));
      Decision embedded = engines.embedded(input);
      assertThat(embedded.requiredScopes()).containsExactly("repo:release");
      assertThat(embedded.reasons()).hasSize(3).isSorted();
      assertSameDecision(embedded, engines.server(input));
    }
  }

  /** policies/ is being written alongside this code: compare the engines over it whenever it builds. */
  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class OverTheDefaultPolicy {
    EnginePair engines;

    @BeforeAll
    void start(Vertx vertx, @TempDir Path tmp) throws Exception {
      Path source = PolicyDirs.defaultPolicies();
      Assumptions.assumeTrue(Files.isDirectory(source), "no policies/ directory at " + source);
      Path copy = PolicyDirs.copy(source, tmp.resolve("policies"));
      String problem = buildProblem(copy, tmp.resolve("probe.tar.gz"));
      Assumptions.assumeTrue(problem == null, () -> "policies/ does not build to Wasm right now: " + problem);
      engines = EnginePair.start(vertx, copy, tmp.resolve("cache"));
    }

    @AfterAll
    void stop() throws Exception {
      if (engines != null) {
        engines.stop();
      }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.portcullis.policy.PolicyEnginesDifferentialTest#table")
    void bothEnginesDecideEachInputAlike(PolicyInputTable.Case c) throws Exception {
      Decision embedded = engines.embedded(c.input());
      assertThat(embedded.outcome()).as("embedded decision %s", embedded.reasons()).isNotEqualTo(Decision.Outcome.ERROR);
      assertSameDecision(embedded, engines.server(c.input()));
    }

    @Test
    void bothEnginesDecideTheWholeTableAsOneList() throws Exception {
      List<ObjectNode> items = PolicyInputTable.all().stream().map(PolicyInputTable.Case::input).toList();
      List<Decision> embedded = engines.embedded().decideAll(items).await(10, TimeUnit.SECONDS);
      List<Decision> server = engines.server().decideAll(items).await(10, TimeUnit.SECONDS);
      for (int i = 0; i < items.size(); i++) {
        assertSameDecision(embedded.get(i), server.get(i));
      }
    }

    private String buildProblem(Path dir, Path out) throws Exception {
      List<String> command = new ArrayList<>(List.of(PolicyDirs.opa().toString(), "build", "-t", "wasm", "-e", WasmBundleBuilder.DECISION,
          "-e", WasmBundleBuilder.DECISIONS, dir.toString(), "-o", out.toString()));
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes());
      return p.waitFor() == 0 ? null : output;
    }
  }
}
