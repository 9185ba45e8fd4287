package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.policy.PolicyEnforcementTest.Caller;
import io.portcullis.testing.RecordingMcpServer;
import io.portcullis.testing.RunningGateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hot reload of the embedded policy under load: clients call tools every
 * {@value #CALL_EVERY_MILLIS} ms while the test edits data.json in the watched policy directory.
 * No request may fail other than by the new rule's own denial, none may be refused as undecided,
 * and the rule must apply within {@link #APPLIES_WITHIN}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PolicyHotReloadTest {
  static final long CALL_EVERY_MILLIS = 20;
  /** The issue asks for a second; the watch interval, an opa build and a Wasm compile fit in three. */
  static final Duration APPLIES_WITHIN = Duration.ofSeconds(3);
  static final String DEFAULT_DATA = """
      {"portcullis": {
        "roles": {"viewer": ["read"], "editor": ["read", "write"], "admin": ["read", "write", "destructive"]},
        "allow": [], "deny": [], "require_scopes": []
      }}
      """;
  static final String DENY_LOOKUP = """
      {"portcullis": {
        "roles": {"viewer": ["read"], "editor": ["read", "write"], "admin": ["read", "write", "destructive"]},
        "allow": [],
        "deny": [{"id": "lookup-off", "names": "lookup", "reason": "lookup is switched off (%s)"}],
        "require_scopes": []
      }}
      """;

  Path policies;
  Path audit;
  RecordingMcpServer backend;
  RunningGateway gateway;

  @BeforeAll
  void start(@TempDir Path tmp) throws Exception {
    policies = PolicyEnforcementTest.policiesWith(tmp, "policies", DEFAULT_DATA);
    audit = tmp.resolve("audit");
    backend = RecordingMcpServer.start();
    gateway = RunningGateway.start("""
        server: {port: 0}
        %s
        policy:
          directory: "%s"
          opaBinary: "%s"
          watch: true
          timeout: 10s
        audit: {directory: "%s", fsync: never}
        backends:
          - name: recorder
            http: {url: "%s"}
        """.formatted(PolicyEnforcementTest.staticTokens(), policies, PolicyEnforcementTest.opa(), audit, backend.url()));
  }

  @AfterAll
  void stop() throws Exception {
    gateway.close();
    backend.close();
  }

  /** What one call in the loop got. */
  enum Kind { ALLOWED, HIDDEN, OTHER }

  record Outcome(String what, long startNanos, long endNanos, Kind kind, String detail) {
  }

  /** Every outcome so far, and futures that complete on the first outcome matching a condition. */
  static final class Outcomes {
    private final List<Outcome> all = new ArrayList<>();
    private final List<Waiter> waiters = new ArrayList<>();

    private record Waiter(Predicate<Outcome> condition, CompletableFuture<Outcome> found) {
    }

    synchronized void add(Outcome outcome) {
      all.add(outcome);
      waiters.removeIf(w -> w.condition().test(outcome) && w.found().complete(outcome));
    }

    /** Completes with the first outcome recorded from now on that matches. */
    synchronized CompletableFuture<Outcome> next(Predicate<Outcome> condition) {
      Waiter waiter = new Waiter(condition, new CompletableFuture<>());
      waiters.add(waiter);
      return waiter.found();
    }

    /** Completes once {@code count} more outcomes match. */
    CompletableFuture<Outcome> more(int count, Predicate<Outcome> condition) {
      int[] seen = {0};
      return next(o -> condition.test(o) && ++seen[0] >= count);
    }

    synchronized List<Outcome> snapshot() {
      return List.copyOf(all);
    }
  }

  @Test
  void aDenyRuleWrittenToDataJsonAppliesUnderLoadWithoutAnyOtherFailure() throws Exception {
    Outcomes outcomes = new Outcomes();
    List<Caller> callers = List.of(
        Caller.open(gateway.mcpUrl(), PolicyEnforcementTest.EDITOR),
        Caller.open(gateway.mcpUrl(), PolicyEnforcementTest.EDITOR),
        Caller.open(gateway.mcpUrl(), PolicyEnforcementTest.EDITOR),
        Caller.open(gateway.mcpUrl(), PolicyEnforcementTest.VIEWER));
    ScheduledExecutorService loops = Executors.newScheduledThreadPool(callers.size());
    String revisionBefore = readyRevision();
    try {
      loops.scheduleWithFixedDelay(() -> outcomes.add(call(callers.get(0), "lookup")), 0, CALL_EVERY_MILLIS, TimeUnit.MILLISECONDS);
      loops.scheduleWithFixedDelay(() -> outcomes.add(call(callers.get(1), "lookup")), 0, CALL_EVERY_MILLIS, TimeUnit.MILLISECONDS);
      loops.scheduleWithFixedDelay(() -> outcomes.add(call(callers.get(2), "annotate")), 0, CALL_EVERY_MILLIS, TimeUnit.MILLISECONDS);
      loops.scheduleWithFixedDelay(() -> outcomes.add(list(callers.get(3))), 0, CALL_EVERY_MILLIS, TimeUnit.MILLISECONDS);
      outcomes.more(20, o -> o.kind() == Kind.ALLOWED && o.what().equals("lookup")).get(10, TimeUnit.SECONDS);

      CompletableFuture<Outcome> firstDenial = outcomes.next(o -> o.kind() == Kind.HIDDEN);
      long denyWriteBegan = System.nanoTime();
      // A reason new to every run, so that the reload is a real opa build, not a cached bundle.
      PolicyDirs.write(policies.resolve("data.json"), DENY_LOOKUP.formatted(java.util.UUID.randomUUID()));
      long denyWritten = System.nanoTime();
      Outcome denied = firstDenial.get(APPLIES_WITHIN.toMillis() + 10_000, TimeUnit.MILLISECONDS);
      outcomes.more(50, o -> o.what().equals("lookup")).get(10, TimeUnit.SECONDS);

      CompletableFuture<Outcome> firstAllowedAgain = outcomes.next(o -> o.kind() == Kind.ALLOWED && o.what().equals("lookup")
          && o.startNanos() > denied.endNanos());
      PolicyDirs.write(policies.resolve("data.json"), DEFAULT_DATA);
      long restoreWritten = System.nanoTime();
      Outcome allowedAgain = firstAllowedAgain.get(APPLIES_WITHIN.toMillis() + 10_000, TimeUnit.MILLISECONDS);
      outcomes.more(20, o -> o.what().equals("lookup")).get(10, TimeUnit.SECONDS);
      loops.shutdown();
      assertThat(loops.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

      List<Outcome> all = outcomes.snapshot();
      long denyAppliedMillis = (denied.endNanos() - denyWritten) / 1_000_000;
      long restoreAppliedMillis = (allowedAgain.endNanos() - restoreWritten) / 1_000_000;
      long lastStaleAllowMillis = all.stream().filter(o -> o.what().equals("lookup") && o.kind() == Kind.ALLOWED
          && o.startNanos() > denyWritten && o.startNanos() < restoreWritten)
          .mapToLong(o -> (o.startNanos() - denyWritten) / 1_000_000).max().orElse(-1);
      System.out.printf("policy hot reload under load: %d calls; deny rule applied %d ms after data.json was written "
              + "(last call still allowed started at +%d ms); removal applied after %d ms%n",
          all.size(), denyAppliedMillis, lastStaleAllowMillis, restoreAppliedMillis);

      assertThat(all).as("outcomes other than success or the rule's own denial").filteredOn(o -> o.kind() == Kind.OTHER).isEmpty();
      assertThat(all).as("denials other than of lookup while the rule was in force").filteredOn(o -> o.kind() == Kind.HIDDEN)
          .allSatisfy(o -> {
            assertThat(o.what()).isEqualTo("lookup");
            assertThat(o.endNanos()).isGreaterThan(denyWriteBegan);
            assertThat(o.startNanos()).isLessThan(allowedAgain.endNanos());
          });
      assertThat(all).as("lookup allowed again once denied, before the rule was removed")
          .filteredOn(o -> o.what().equals("lookup") && o.kind() == Kind.ALLOWED
              && o.startNanos() > denied.endNanos() && o.startNanos() < restoreWritten).isEmpty();
      assertThat(all).as("tool lists while the rule was in force")
          .filteredOn(o -> o.what().equals("tools/list") && o.startNanos() > denied.endNanos() && o.endNanos() < restoreWritten)
          .isNotEmpty().allSatisfy(o -> assertThat(o.detail()).isEqualTo("lookup-hidden"));
      assertThat(Duration.ofMillis(denyAppliedMillis)).as("time until the deny rule applied").isLessThanOrEqualTo(APPLIES_WITHIN);
      assertThat(Duration.ofMillis(restoreAppliedMillis)).as("time until its removal applied").isLessThanOrEqualTo(APPLIES_WITHIN);
      assertThat(readyRevision()).as("the revision in /readyz after two reloads back to the same files").isEqualTo(revisionBefore);
      // Every answered call has its record (written before its answer), with the decision it got.
      List<com.fasterxml.jackson.databind.JsonNode> records = io.portcullis.audit.AuditLog.records(audit).stream()
          .filter(r -> r.path("method").asText().equals("tools/call") || r.path("method").asText().equals("tools/list")).toList();
      assertThat(records).as("audit records of the calls and lists").hasSize(all.size());
      assertThat(records).filteredOn(r -> r.path("decision").path("outcome").asText().equals("deny")).hasSize(
          (int) all.stream().filter(o -> o.kind() == Kind.HIDDEN).count());
    } finally {
      loops.shutdownNow();
    }
  }

  /** One tools/call: allowed, hidden (the deny rule's answer), or anything else. */
  static Outcome call(Caller caller, String tool) {
    long start = System.nanoTime();
    try {
      HttpResponse<String> response = caller.post(Caller.callBody(1, tool, "{\"text\":\"ok\"}"));
      long end = System.nanoTime();
      if (response.statusCode() != 200) {
        return new Outcome(tool, start, end, Kind.OTHER, response.statusCode() + " " + response.body());
      }
      JsonNode message = Caller.message(response);
      if ("ok".equals(message.at("/result/content/0/text").asText(null))) {
        return new Outcome(tool, start, end, Kind.ALLOWED, null);
      }
      boolean hidden = message.at("/error/code").asInt() == -32602 && ("Unknown tool: " + tool).equals(message.at("/error/message").asText());
      return new Outcome(tool, start, end, hidden ? Kind.HIDDEN : Kind.OTHER, response.body());
    } catch (Exception e) {
      return new Outcome(tool, start, System.nanoTime(), Kind.OTHER, e.toString());
    }
  }

  /** One tools/list: allowed, with a note of whether lookup was in it. */
  static Outcome list(Caller caller) {
    long start = System.nanoTime();
    try {
      HttpResponse<String> response = caller.post("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
      long end = System.nanoTime();
      JsonNode tools = response.statusCode() == 200 ? Caller.message(response).at("/result/tools") : null;
      if (tools == null || !tools.isArray()) {
        return new Outcome("tools/list", start, end, Kind.OTHER, response.statusCode() + " " + response.body());
      }
      boolean listed = false;
      for (JsonNode tool : tools) {
        listed |= tool.path("name").asText().equals("lookup");
      }
      return new Outcome("tools/list", start, end, Kind.ALLOWED, listed ? "lookup-listed" : "lookup-hidden");
    } catch (Exception e) {
      return new Outcome("tools/list", start, System.nanoTime(), Kind.OTHER, e.toString());
    }
  }

  String readyRevision() throws Exception {
    HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + gateway.port() + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
    return PolicyEnforcementTest.JSON.readTree(ready.body()).at("/policy/revision").asText();
  }
}
