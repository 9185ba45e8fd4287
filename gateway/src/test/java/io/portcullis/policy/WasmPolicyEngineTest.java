package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded engine with the real {@code opa} binary: loading and refusing to load, failing
 * closed on results that are not decisions, decision ids and revisions, concurrent callers, and
 * hot reload.
 */
@ExtendWith(VertxExtension.class)
class WasmPolicyEngineTest {
  private static final String DECISIONS = "decisions := [d | some item in input.items; d := decision with input as item]\n";

  Vertx vertx;
  Path tmp;
  final List<PolicyEngine> engines = new ArrayList<>();

  @BeforeEach
  void setUp(Vertx vertx, @TempDir Path tmp) {
    this.vertx = vertx;
    this.tmp = tmp;
  }

  @AfterEach
  void stopEngines() throws Exception {
    for (PolicyEngine engine : engines) {
      engine.stop().await(10, TimeUnit.SECONDS);
    }
  }

  WasmPolicyEngine engine(Path dir, boolean watch) {
    return engine(dir, PolicyDirs.opa(), watch);
  }

  WasmPolicyEngine engine(Path dir, Path opa, boolean watch) {
    WasmPolicyEngine engine = new WasmPolicyEngine(vertx, dir, opa, Duration.ofSeconds(2), watch, tmp.resolve("cache"), 4, 4096);
    engines.add(engine);
    return engine;
  }

  WasmPolicyEngine started(Path dir, boolean watch) throws Exception {
    WasmPolicyEngine engine = engine(dir, watch);
    engine.start().await(60, TimeUnit.SECONDS);
    return engine;
  }

  /** An opa that notes each run in {@code count}, then runs the real one. */
  Path countingOpa(Path count) {
    Path counting = tmp.resolve("counting-opa");
    PolicyDirs.write(counting, "#!/bin/sh\necho run >> '" + count + "'\nexec '" + PolicyDirs.opa() + "' \"$@\"\n");
    assertThat(counting.toFile().setExecutable(true)).isTrue();
    return counting;
  }

  static Decision decide(PolicyEngine engine, ObjectNode input) throws Exception {
    return engine.decide(input).await(10, TimeUnit.SECONDS);
  }

  static Throwable startFailure(WasmPolicyEngine engine) {
    Future<Void> start = engine.start();
    return org.assertj.core.api.Assertions.catchThrowable(() -> start.await(60, TimeUnit.SECONDS));
  }

  static String rego(String body) {
    return "package mcp.authz\n\nimport rego.v1\n\n" + body + "\n" + DECISIONS;
  }

  static ObjectNode viewerCallsWriteTool() {
    return PolicyInputTable.call(PolicyInputTable.who("viewer"), PolicyInputTable.tool("github__create_issue", "github", "write"));
  }

  static ObjectNode ping() {
    return PolicyInputTable.other("ping", PolicyInputTable.who("viewer"));
  }

  @Nested
  class Loading {
    @Test
    void aPolicyThatDoesNotBuildFailsTheStartWithOpasMessage() {
      Path dir = PolicyDirs.withRego(tmp, "bad", "package mcp.authz\n\nimport rego.v1\n\ndecision := {\"allow\": true if\n");
      WasmPolicyEngine engine = engine(dir, false);

      Throwable failure = startFailure(engine);

      assertThat(failure).isInstanceOf(PolicyLoadException.class)
          .hasMessageContaining("the policy in " + dir.toAbsolutePath() + " does not build")
          .hasMessageContaining("mcp/authz.rego:5: rego_parse_error");
      assertThat(engine.status().loaded()).isFalse();
      assertThat(engine.status().lastError()).contains("rego_parse_error");
    }

    @Test
    void aPolicyWithoutTheDecisionsEntrypointFailsTheStart() {
      Path dir = PolicyDirs.withRego(tmp, "half", "package mcp.authz\n\nimport rego.v1\n\ndecision := {\"allow\": true, \"reasons\": []}\n");

      assertThat(startFailure(engine(dir, false))).isInstanceOf(PolicyLoadException.class)
          .hasMessageContaining("mcp/authz/decisions");
    }

    @Test
    void anEmptyDirectoryFailsTheStart() throws Exception {
      Path dir = Files.createDirectories(tmp.resolve("empty"));

      assertThat(startFailure(engine(dir, false))).isInstanceOf(PolicyLoadException.class)
          .hasMessageContaining("does not build")
          .hasMessageContaining("mcp/authz/decision");
    }

    @Test
    void aMissingDirectoryFailsTheStart() {
      assertThat(startFailure(engine(tmp.resolve("nowhere"), false))).isInstanceOf(PolicyLoadException.class)
          .hasMessageContaining("nowhere").hasMessageContaining("does not exist");
    }

    @Test
    void aMissingOpaBinaryFailsTheStartNamingIt() {
      Path dir = PolicyDirs.fixtureCopy(tmp);
      Path missing = tmp.resolve("no-such-opa");

      assertThat(startFailure(engine(dir, missing, false))).isInstanceOf(PolicyLoadException.class)
          .hasMessageContaining(missing.toString());
    }

    @Test
    void anEngineWithNoPolicyLoadedDecidesEveryInputAsAnError() throws Exception {
      WasmPolicyEngine engine = engine(Files.createDirectories(tmp.resolve("empty")), false);
      startFailure(engine);

      Decision decision = decide(engine, ping());
      List<Decision> list = engine.decideAll(List.of(ping(), ping())).await(10, TimeUnit.SECONDS);

      assertThat(decision.outcome()).isEqualTo(Decision.Outcome.ERROR);
      assertThat(decision.reasons()).containsExactly("no policy is loaded");
      assertThat(decision.policyRevision()).isEqualTo("none");
      assertThat(list).extracting(Decision::outcome).containsExactly(Decision.Outcome.ERROR, Decision.Outcome.ERROR);
    }

    @Test
    void aRestartWithAnUnchangedPolicyDoesNotRunOpaAgain() throws Exception {
      Path dir = PolicyDirs.fixtureCopy(tmp);
      Path count = tmp.resolve("opa-runs");
      Path counting = countingOpa(count);

      WasmPolicyEngine first = engine(dir, counting, false);
      first.start().await(60, TimeUnit.SECONDS);
      String revision = first.revision();
      first.stop().await(10, TimeUnit.SECONDS);
      WasmPolicyEngine second = engine(dir, counting, false);
      second.start().await(60, TimeUnit.SECONDS);

      assertThat(Files.readAllLines(count)).hasSize(1);
      assertThat(second.revision()).isEqualTo(revision);
      assertThat(decide(second, viewerCallsWriteTool()).outcome()).isEqualTo(Decision.Outcome.DENY);
    }

    @Test
    void aCacheDirectoryOtherUsersMayWriteToIsNotTrusted() throws Exception {
      Path dir = PolicyDirs.fixtureCopy(tmp);
      Path count = tmp.resolve("opa-runs");
      Path counting = countingOpa(count);
      Path shared = Files.createDirectories(tmp.resolve("cache"));
      Files.setPosixFilePermissions(shared, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));

      for (int i = 0; i < 2; i++) {
        WasmPolicyEngine engine = engine(dir, counting, false);
        engine.start().await(60, TimeUnit.SECONDS);
        engine.stop().await(10, TimeUnit.SECONDS);
      }

      assertThat(Files.readAllLines(count)).hasSize(2);
      try (var entries = Files.list(shared)) {
        assertThat(entries).isEmpty();
      }
    }

    @Test
    void theRevisionIsAShortHashOfThePolicyFilesWhereverTheyLie() throws Exception {
      WasmPolicyEngine one = started(PolicyDirs.fixtureCopy(tmp.resolve("one")), false);
      WasmPolicyEngine two = started(PolicyDirs.fixtureCopy(tmp.resolve("two")), false);
      Path changed = PolicyDirs.fixtureCopy(tmp.resolve("three"));
      PolicyDirs.write(changed.resolve("data.json"), Files.readString(changed.resolve("data.json")).replace("finance", "payroll-team"));
      WasmPolicyEngine three = started(changed, false);

      assertThat(one.revision()).matches("[0-9a-f]{12}").isEqualTo(two.revision()).isNotEqualTo(three.revision());
      assertThat(one.status()).isEqualTo(new PolicyStatus(true, one.revision(), null));
    }
  }

  @Nested
  class FailingClosed {
    @Test
    void anUndefinedDecisionIsAnError() throws Exception {
      WasmPolicyEngine engine = started(PolicyDirs.withRego(tmp, "undefined",
          rego("decision := {\"allow\": true, \"reasons\": [\"calls only\"]} if input.action == \"tools/call\"")), false);

      Decision decision = decide(engine, ping());

      assertThat(decision.outcome()).isEqualTo(Decision.Outcome.ERROR);
      assertThat(decision.reasons()).containsExactly("the policy decision is undefined");
      assertThat(decide(engine, viewerCallsWriteTool()).outcome()).isEqualTo(Decision.Outcome.ALLOW);
    }

    @Test
    void aListWithAnUndefinedItemIsAnErrorForEveryItem() throws Exception {
      WasmPolicyEngine engine = started(PolicyDirs.withRego(tmp, "undefined",
          rego("decision := {\"allow\": true, \"reasons\": [\"calls only\"]} if input.action == \"tools/call\"")), false);

      List<Decision> list = engine.decideAll(List.of(viewerCallsWriteTool(), ping())).await(10, TimeUnit.SECONDS);

      assertThat(list).extracting(Decision::outcome).containsExactly(Decision.Outcome.ERROR, Decision.Outcome.ERROR);
      assertThat(list.get(0).reasons().get(0)).contains("1 decisions for 2 items");
    }

    @Test
    void aDecisionWhoseAllowIsNotABooleanIsAnError() throws Exception {
      WasmPolicyEngine engine = started(PolicyDirs.withRego(tmp, "m1", rego("decision := {\"allow\": \"yes\", \"reasons\": []}")), false);

      Decision decision = decide(engine, ping());

      assertThat(decision.outcome()).isEqualTo(Decision.Outcome.ERROR);
      assertThat(decision.reasons()).containsExactly("malformed policy decision: allow is not a boolean");
    }

    @Test
    void reasonsThatAreNotStringsAreAnError() throws Exception {
      WasmPolicyEngine engine = started(PolicyDirs.withRego(tmp, "m2", rego("decision := {\"allow\": true, \"reasons\": [1, 2]}")), false);

      assertThat(decide(engine, ping()).reasons()).containsExactly("malformed policy decision: reasons is not a list of strings");
    }

    @Test
    void aDecisionWithoutReasonsIsAnError() throws Exception {
      WasmPolicyEngine engine = started(PolicyDirs.withRego(tmp, "m3", rego("decision := {\"allow\": true}")), false);

      assertThat(decide(engine, ping()).outcome()).isEqualTo(Decision.Outcome.ERROR);
    }

    @Test
    void requiredScopesThatAreNotAListAreAnError() throws Exception {
      WasmPolicyEngine engine = started(PolicyDirs.withRego(tmp, "m4",
          rego("decision := {\"allow\": false, \"reasons\": [\"no\"], \"required_scopes\": \"repo\"}")), false);

      assertThat(decide(engine, ping()).reasons()).containsExactly("malformed policy decision: required_scopes is not a list of strings");
    }

    @Test
    void aDecisionThatIsNotAnObjectIsAnError() throws Exception {
      WasmPolicyEngine engine = started(PolicyDirs.withRego(tmp, "m5", rego("decision := true")), false);

      assertThat(decide(engine, ping()).reasons()).containsExactly("malformed policy decision: it is not an object");
    }

    @Test
    void anEvaluationThatAbortsIsAnErrorAndTheEngineKeepsDeciding() throws Exception {
      WasmPolicyEngine engine = started(PolicyDirs.withRego(tmp, "conflict", rego("""
          default decision := {"allow": false, "reasons": ["default"]}
          decision := {"allow": true, "reasons": ["one"]} if input.arguments.conflict
          decision := {"allow": false, "reasons": ["two"]} if input.arguments.conflict
          """)), false);
      ObjectNode conflicting = viewerCallsWriteTool();
      ((ObjectNode) conflicting.get("arguments")).put("conflict", true);

      Decision failed = decide(engine, conflicting);

      assertThat(failed.outcome()).isEqualTo(Decision.Outcome.ERROR);
      assertThat(failed.reasons().get(0)).startsWith("policy evaluation failed").contains("conflict");
      assertThat(decide(engine, ping()).reasons()).containsExactly("default");
    }

    @Test
    void aListWithAWrongNumberOfDecisionsIsAnErrorForEveryItem() throws Exception {
      WasmPolicyEngine engine = started(PolicyDirs.withRego(tmp, "short", """
          package mcp.authz

          import rego.v1

          decision := {"allow": true, "reasons": []}
          decisions := [decision]
          """), false);

      List<Decision> list = engine.decideAll(List.of(ping(), ping(), ping())).await(10, TimeUnit.SECONDS);

      assertThat(list).extracting(Decision::outcome).containsOnly(Decision.Outcome.ERROR).hasSize(3);
    }
  }

  @Nested
  class Deciding {
    @Test
    void everyDecisionHasItsOwnIdAndThePolicyRevision() throws Exception {
      WasmPolicyEngine engine = started(PolicyDirs.fixtureCopy(tmp), false);
      Set<String> ids = new HashSet<>();

      for (int i = 0; i < 20; i++) {
        Decision decision = decide(engine, ping());
        assertThat(decision.policyRevision()).isEqualTo(engine.revision());
        ids.add(decision.decisionId());
      }
      List<Decision> list = engine.decideAll(List.of(ping(), ping(), ping())).await(10, TimeUnit.SECONDS);
      list.forEach(d -> ids.add(d.decisionId()));

      assertThat(ids).hasSize(23).allMatch(id -> id.matches("[0-9a-f-]{36}"));
    }

    @Test
    void anEmptyListIsDecidedAsAnEmptyList() throws Exception {
      WasmPolicyEngine engine = started(PolicyDirs.fixtureCopy(tmp), false);

      assertThat(engine.decideAll(List.of()).await(10, TimeUnit.SECONDS)).isEmpty();
    }

    @Test
    void callersOnManyEventLoopsAtOnceEachGetTheirDecision() throws Exception {
      WasmPolicyEngine engine = started(PolicyDirs.fixtureCopy(tmp), false);
      List<PolicyInputTable.Case> cases = PolicyInputTable.all();
      List<Future<Boolean>> rounds = new ArrayList<>();

      for (int loop = 0; loop < 8; loop++) {
        Context context = vertx.getOrCreateContext();
        Promise<Boolean> round = Promise.promise();
        context.runOnContext(v -> {
          List<Future<Boolean>> each = new ArrayList<>();
          for (int i = 0; i < 300; i++) {
            PolicyInputTable.Case c = cases.get(i % cases.size());
            each.add(engine.decide(c.input()).map(d -> d.allowed() == c.allowedByFixture() && d.outcome() != Decision.Outcome.ERROR));
          }
          Future.all(each).map(all -> each.stream().allMatch(Future::result)).onComplete(round);
        });
        rounds.add(round.future());
      }

      assertThat(Future.all(rounds).await(60, TimeUnit.SECONDS).<Boolean>list()).containsOnly(true);
    }

    @Test
    void anAllowThatCameAfterTheTimeoutIsAnErrorWhileAListKeepsItsAnswers() throws Exception {
      // Allows a tool call after counting through a long range: far longer than 50 ms.
      Path slow = PolicyDirs.withRego(tmp, "slow", rego("""
          default decision := {"allow": false, "reasons": ["not a tool call"]}
          decision := {"allow": true, "reasons": ["counted"]} if {
          	input.action == "tools/call"
          	count([x | some x in numbers.range(1, 300000); x % 7 == 0]) > 0
          }
          """));
      WasmPolicyEngine patient = new WasmPolicyEngine(vertx, slow, PolicyDirs.opa(), Duration.ofSeconds(30), false, tmp.resolve("cache"), 4, 0);
      WasmPolicyEngine hurried = new WasmPolicyEngine(vertx, slow, PolicyDirs.opa(), Duration.ofMillis(50), false, tmp.resolve("cache"), 4, 0);
      engines.addAll(List.of(patient, hurried));
      patient.start().await(60, TimeUnit.SECONDS);
      hurried.start().await(60, TimeUnit.SECONDS);
      assertThat(patient.decide(viewerCallsWriteTool()).await(60, TimeUnit.SECONDS).outcome()).isEqualTo(Decision.Outcome.ALLOW);

      Decision late = hurried.decide(viewerCallsWriteTool()).await(60, TimeUnit.SECONDS);
      List<Decision> lateList = hurried.decideAll(List.of(viewerCallsWriteTool(), ping())).await(60, TimeUnit.SECONDS);

      assertThat(late.outcome()).isEqualTo(Decision.Outcome.ERROR);
      assertThat(late.reasons()).singleElement().asString().contains("over its timeout of 50 ms");
      // One evaluation decides a whole list: under a pause it would overrun a single decision's
      // budget and empty the list, and each call it shows is still decided within the timeout.
      assertThat(lateList).extracting(Decision::outcome).containsExactly(Decision.Outcome.ALLOW, Decision.Outcome.DENY);
    }

    @Test
    void aDecisionOffTheEventLoopIsMadeOnTheCallersThread() throws Exception {
      WasmPolicyEngine engine = started(PolicyDirs.fixtureCopy(tmp), false);

      Future<Decision> decision = engine.decide(viewerCallsWriteTool());

      assertThat(decision.isComplete()).isTrue();
      assertThat(decision.result().outcome()).isEqualTo(Decision.Outcome.DENY);
    }
  }

  @Nested
  class HotReload {
    @Test
    void stoppingWaitsForARebuildUnderWayToFinish() throws Exception {
      Path dir = PolicyDirs.fixtureCopy(tmp);
      Path runs = tmp.resolve("opa-runs");
      Path gate = tmp.resolve("opa-gate");
      Path heldOpa = tmp.resolve("held-opa");
      // Every build after the first waits for the test to open the gate: a rebuild under way at stop().
      PolicyDirs.write(heldOpa, "#!/bin/sh\necho start >> '" + runs + "'\n"
          + "if [ \"$(wc -l < '" + runs + "')\" -gt 1 ]; then while [ ! -e '" + gate + "' ]; do sleep 0.02; done; fi\n"
          + "'" + PolicyDirs.opa() + "' \"$@\"\nrc=$?\necho end >> '" + runs + "'\nexit $rc\n");
      assertThat(heldOpa.toFile().setExecutable(true)).isTrue();
      WasmPolicyEngine engine = engine(dir, heldOpa, true);
      engine.start().await(60, TimeUnit.SECONDS);
      Path rego = dir.resolve("mcp").resolve("authz.rego");

      PolicyDirs.write(rego, Files.readString(rego) + "\nedited_while_running := true\n");
      Eventually.await(vertx, Duration.ofSeconds(10), "the rebuild began",
          () -> vertx.executeBlocking(() -> Files.readAllLines(runs).size() == 3));
      io.vertx.core.Future<Void> stopped = engine.stop();
      assertThat(stopped.isComplete()).as("stopped while a rebuild is held").isFalse();
      Files.writeString(gate, "open");
      stopped.await(20, TimeUnit.SECONDS);

      // Nothing of the engine is still writing into the build cache once stop() has completed.
      assertThat(Files.readAllLines(runs)).containsExactly("start", "end", "start", "end");
    }

    @Test
    void anEditedRuleIsInForceWithinSecondsUnderANewRevision() throws Exception {
      Path dir = PolicyDirs.fixtureCopy(tmp);
      WasmPolicyEngine engine = started(dir, true);
      String before = engine.revision();
      assertThat(decide(engine, viewerCallsWriteTool()).outcome()).isEqualTo(Decision.Outcome.DENY);

      PolicyDirs.write(dir.resolve("data.json"), Files.readString(dir.resolve("data.json"))
          .replace("\"viewer\": [\"read\"]", "\"viewer\": [\"read\", \"write\"]"));

      Eventually.await(vertx, Duration.ofSeconds(10), "a viewer may call write tools",
          () -> engine.decide(viewerCallsWriteTool()).map(Decision::allowed));
      assertThat(engine.revision()).isNotEqualTo(before);
      assertThat(decide(engine, viewerCallsWriteTool()).policyRevision()).isEqualTo(engine.revision());
      assertThat(engine.status()).isEqualTo(new PolicyStatus(true, engine.revision(), null));
    }

    @Test
    void noDecisionFailsWhileCallersOnSeveralEventLoopsDecideThroughAReload() throws Exception {
      Path dir = PolicyDirs.fixtureCopy(tmp);
      WasmPolicyEngine engine = started(dir, true);
      String before = engine.revision();
      AtomicInteger made = new AtomicInteger();
      AtomicInteger failed = new AtomicInteger();
      AtomicBoolean newRuleSeen = new AtomicBoolean();
      AtomicBoolean done = new AtomicBoolean();
      for (int loop = 0; loop < 4; loop++) {
        Context context = vertx.getOrCreateContext();
        context.runOnContext(v -> decideUntilDone(context, engine, made, failed, newRuleSeen, done));
      }
      Eventually.await(vertx, Duration.ofSeconds(10), "the callers are deciding", () -> Future.succeededFuture(made.get() > 100));

      PolicyDirs.write(dir.resolve("data.json"), Files.readString(dir.resolve("data.json"))
          .replace("\"viewer\": [\"read\"]", "\"viewer\": [\"read\", \"write\"]"));
      Eventually.await(vertx, Duration.ofSeconds(10), "the callers see the new rule", () -> Future.succeededFuture(newRuleSeen.get()));
      done.set(true);

      assertThat(failed.get()).isZero();
      assertThat(engine.revision()).isNotEqualTo(before);
    }

    private void decideUntilDone(Context context, PolicyEngine engine, AtomicInteger made, AtomicInteger failed, AtomicBoolean newRuleSeen,
        AtomicBoolean done) {
      if (done.get()) {
        return;
      }
      engine.decide(viewerCallsWriteTool()).onComplete(ar -> {
        made.incrementAndGet();
        if (ar.failed() || ar.result().outcome() == Decision.Outcome.ERROR) {
          failed.incrementAndGet();
        } else if (ar.result().allowed()) {
          newRuleSeen.set(true);
        }
        context.runOnContext(v -> decideUntilDone(context, engine, made, failed, newRuleSeen, done));
      });
    }

    @Test
    void aBrokenEditKeepsTheLastGoodPolicyAndShowsWhy() throws Exception {
      Path dir = PolicyDirs.fixtureCopy(tmp);
      WasmPolicyEngine engine = started(dir, true);
      String good = engine.revision();
      Path rego = dir.resolve("mcp").resolve("authz.rego");
      String original = Files.readString(rego);

      PolicyDirs.write(rego, original + "\nbroken := {\n");
      Eventually.await(vertx, Duration.ofSeconds(10), "the failed reload shows in the status",
          () -> Future.succeededFuture(engine.status().lastError() != null));

      assertThat(engine.status().lastError()).contains("does not build").contains("mcp/authz.rego");
      assertThat(engine.status().loaded()).isTrue();
      assertThat(engine.revision()).isEqualTo(good);
      Decision decision = decide(engine, viewerCallsWriteTool());
      assertThat(decision.outcome()).isEqualTo(Decision.Outcome.DENY);
      assertThat(decision.policyRevision()).isEqualTo(good);

      PolicyDirs.write(rego, original);
      Eventually.await(vertx, Duration.ofSeconds(10), "the repaired policy clears the error",
          () -> Future.succeededFuture(engine.status().lastError() == null));
      assertThat(engine.revision()).isEqualTo(good);
    }

    @Test
    void aPolicyEditedWhileNotWatchedStaysAsLoaded() throws Exception {
      Path dir = PolicyDirs.fixtureCopy(tmp);
      WasmPolicyEngine engine = started(dir, false);
      String revision = engine.revision();

      PolicyDirs.write(dir.resolve("data.json"), "{}");

      assertThat(engine.revision()).isEqualTo(revision);
      assertThat(decide(engine, viewerCallsWriteTool()).policyRevision()).isEqualTo(revision);
    }
  }

  @Test
  void aStoppedEngineDecidesNothing() throws Exception {
    WasmPolicyEngine engine = started(PolicyDirs.fixtureCopy(tmp), true);

    engine.stop().await(10, TimeUnit.SECONDS);

    assertThat(decide(engine, ping()).outcome()).isEqualTo(Decision.Outcome.ERROR);
    assertThat(engine.status().loaded()).isFalse();
  }

  @Nested
  class DecisionCaching {
    static final String ROLE_RULE = rego("""
        default decision := {"allow": false, "reasons": ["no"]}
        decision := {"allow": true, "reasons": ["editor"]} if "editor" in input.principal.roles
        """);

    @Test
    void aRepeatedInputIsAnsweredFromTheCacheUnderItsOwnDecisionId() throws Exception {
      WasmPolicyEngine engine = started(PolicyDirs.fixtureCopy(tmp), false);

      Decision first = decide(engine, viewerCallsWriteTool());
      Decision second = decide(engine, viewerCallsWriteTool());

      assertThat(engine.cachedDecisions()).isEqualTo(1);
      assertThat(second.outcome()).isEqualTo(first.outcome()).isEqualTo(Decision.Outcome.DENY);
      assertThat(second.reasons()).isEqualTo(first.reasons());
      assertThat(second.policyRevision()).isEqualTo(first.policyRevision());
      assertThat(second.decisionId()).isNotEqualTo(first.decisionId());
    }

    @Test
    void aPolicyThatCallsANonDeterministicBuiltinIsNeverAnsweredFromTheCache() throws Exception {
      // opa-java-wasm provides no time.now_ns, so the call sits in a branch no input here reaches.
      WasmPolicyEngine engine = started(PolicyDirs.withRego(tmp, "clock", rego("""
          default decision := {"allow": true, "reasons": ["any time"]}
          decision := {"allow": false, "reasons": [sprintf("at %d", [time.now_ns()])]} if input.action == "never"
          """)), false);

      assertThat(decide(engine, ping()).allowed()).isTrue();
      assertThat(decide(engine, ping()).allowed()).isTrue();

      assertThat(engine.cachedDecisions()).isZero();
    }

    @Test
    void argumentsNoRuleReadsAreLeftOutSoCallsDifferingOnlyInThemShareADecision() throws Exception {
      WasmPolicyEngine engine = started(PolicyDirs.withRego(tmp, "roles", ROLE_RULE), false);
      ObjectNode call = PolicyInputTable.call(PolicyInputTable.who("editor"), PolicyInputTable.tool("fs__write", "fs", "write"));
      ObjectNode other = call.deepCopy();
      call.putObject("arguments").put("content", "x".repeat(1_000_000));
      other.putObject("arguments").put("content", "y".repeat(1_000_000));

      assertThat(decide(engine, call).allowed()).isTrue();
      assertThat(decide(engine, other).allowed()).isTrue();

      // Kept only because the 1 MB of arguments were not part of the input the policy saw.
      assertThat(engine.cachedDecisions()).isEqualTo(1);
      assertThat(call.get("arguments").get("content").asText()).hasSize(1_000_000);
    }

    @Test
    void argumentsARuleReadsAreDecidedOnEachTime() throws Exception {
      WasmPolicyEngine engine = started(PolicyDirs.withRego(tmp, "args", rego("""
          default decision := {"allow": false, "reasons": ["path outside /tmp"]}
          decision := {"allow": true, "reasons": ["path in /tmp"]} if startswith(input.arguments.path, "/tmp/")
          """)), false);
      ObjectNode call = PolicyInputTable.call(PolicyInputTable.who("editor"), PolicyInputTable.tool("fs__write", "fs", "write"));
      call.putObject("arguments").put("path", "/tmp/a");
      ObjectNode outside = call.deepCopy();
      outside.putObject("arguments").put("path", "/etc/passwd");

      assertThat(decide(engine, call).allowed()).isTrue();
      assertThat(decide(engine, outside).allowed()).isFalse();
      assertThat(decide(engine, call).allowed()).isTrue();
      assertThat(engine.cachedDecisions()).isEqualTo(1);
    }

    @Test
    void listItemsAlreadyDecidedAreNotEvaluatedAgainAndNewOnesAre() throws Exception {
      WasmPolicyEngine engine = started(PolicyDirs.fixtureCopy(tmp), false);
      ObjectNode viewer = PolicyInputTable.who("viewer");
      List<ObjectNode> items = List.of(
          PolicyInputTable.list("tools/list", viewer, PolicyInputTable.tool("github__search_code", "github", "read")),
          PolicyInputTable.list("tools/list", viewer, PolicyInputTable.tool("github__create_issue", "github", "write")));
      List<Decision> first = engine.decideAll(items).await(10, TimeUnit.SECONDS);

      List<ObjectNode> more = new ArrayList<>(items);
      more.add(1, PolicyInputTable.list("tools/list", viewer, PolicyInputTable.tool("github__delete_repo", "github", "destructive")));
      List<Decision> second = engine.decideAll(more).await(10, TimeUnit.SECONDS);

      assertThat(engine.cachedDecisions()).isEqualTo(2);
      assertThat(second).extracting(Decision::outcome)
          .containsExactly(Decision.Outcome.ALLOW, Decision.Outcome.DENY, Decision.Outcome.DENY);
      assertThat(second.get(0).reasons()).isEqualTo(first.get(0).reasons());
      assertThat(second.get(2).reasons()).isEqualTo(first.get(1).reasons());
      assertThat(second.get(1).reasons()).isNotEmpty().isNotEqualTo(first.get(1).reasons());
      assertThat(second).extracting(Decision::decisionId).doesNotHaveDuplicates()
          .doesNotContainAnyElementsOf(first.stream().map(Decision::decisionId).toList());
    }

    @Test
    void withTheCacheOffEveryDecisionIsEvaluated() throws Exception {
      WasmPolicyEngine engine = new WasmPolicyEngine(vertx, PolicyDirs.fixtureCopy(tmp), PolicyDirs.opa(), Duration.ofSeconds(2),
          false, tmp.resolve("cache"), 4, 0);
      engines.add(engine);
      engine.start().await(60, TimeUnit.SECONDS);

      decide(engine, viewerCallsWriteTool());
      decide(engine, viewerCallsWriteTool());

      assertThat(engine.cachedDecisions()).isZero();
    }
  }
}
