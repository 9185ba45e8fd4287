package io.portcullis.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.testing.McpHttp;
import io.portcullis.testing.RunningGateway;
import io.portcullis.testing.TestPeers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the gateway does when the MCP servers behind it fail, with real servers killed and started
 * again: server-everything over Streamable HTTP and stdio, and the conformance fixture (the SDK's
 * own Streamable HTTP server transport). Clients are the TypeScript SDK's (many-backends-client.mjs)
 * where a well-behaved client is the point, and raw JSON-RPC over the JDK HTTP client where exact
 * error codes and concurrency are.
 *
 * <ul>
 *   <li>a backend that restarted (it no longer knows the gateway's session) is initialized again
 *       for that session alone and the request is retried once; the client's session and the
 *       other backends do not notice;</li>
 *   <li>a backend that is down at initialize does not fail the session: it is retried with a
 *       doubling backoff and, once it joins, the client hears tools/list_changed and sees its tools;</li>
 *   <li>a backend that keeps failing trips its circuit breaker: calls fail fast with -32020 until
 *       routing.circuitOpenFor has passed, then one probe goes through; /readyz and /metrics show it;</li>
 *   <li>a stdio backend runs one process, whatever the number of sessions and concurrent calls.</li>
 * </ul>
 */
class BackendResilienceTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private static final String SHORT_ROUTING = "routing: {rejoinBackoff: 200ms, circuitOpenFor: 1s, circuitFailures: 2, listTimeout: 5s}";

  @TempDir
  Path dir;

  /** Every peer process a test started, killed after it (with the peers they started). */
  private final List<Process> peers = new CopyOnWriteArrayList<>();

  @AfterEach
  void killPeers() {
    for (Process p : peers) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  private Process peer(Process process) {
    peers.add(process);
    return process;
  }

  private static void kill(Process process) throws InterruptedException {
    process.destroyForcibly();
    assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("the killed peer exited").isTrue();
  }

  // ---------------------------------------------------------------------------------------------
  // (a) a backend that restarted: its side of the session is initialized again, the request retried
  // ---------------------------------------------------------------------------------------------

  /** The kind of Streamable HTTP server restarted under the gateway. */
  private enum Restartable {
    SERVER_EVERYTHING,
    CONFORMANCE_FIXTURE;

    /** What the conformance fixture's test_simple_text answers. */
    static final String SIMPLE_TEXT = "This is a simple text response for testing.";

    Process start(int port, List<String> output) throws Exception {
      return this == SERVER_EVERYTHING ? TestPeers.serverEverythingHttp(port, output) : TestPeers.conformanceServer(port);
    }
  }

  /**
   * Two HTTP backends, "flaky" (restarted) and "steady" (server-everything, whose output tells how
   * many sessions were initialized on it); the SDK client runs {@code before}, then waits while
   * flaky is killed and started again on the same port, then runs {@code after}.
   */
  private record RestartRun(JsonNode reports, int beforeCount, List<String> steadyOutput, List<String> flakyOutputAfter,
      JsonNode readiness) {
    JsonNode after(int i) {
      return reports.get(beforeCount + 2 + i);
    }
  }

  private RestartRun restartBetween(Restartable flakyKind, String before, String after) throws Exception {
    int flakyPort = TestPeers.freePort();
    int steadyPort = TestPeers.freePort();
    List<String> steadyOutput = Collections.synchronizedList(new ArrayList<>());
    List<String> flakyOutputBefore = Collections.synchronizedList(new ArrayList<>());
    List<String> flakyOutputAfter = Collections.synchronizedList(new ArrayList<>());
    peer(TestPeers.serverEverythingHttp(steadyPort, steadyOutput));
    Process flaky = peer(flakyKind.start(flakyPort, flakyOutputBefore));
    try (RunningGateway gateway = RunningGateway.start("""
        server: {port: 0}
        %s
        backends:
          - name: flaky
            http: {url: "http://127.0.0.1:%d/mcp"}
          - name: steady
            http: {url: "http://127.0.0.1:%d/mcp"}
        """.formatted(SHORT_ROUTING, flakyPort, steadyPort))) {
      Path paused = dir.resolve("paused");
      Path resume = dir.resolve("resume");
      JsonNode beforeActions = JSON.readTree(before);
      var actions = JSON.createArrayNode().addAll((com.fasterxml.jackson.databind.node.ArrayNode) beforeActions);
      actions.addObject().put("do", "touch").put("path", paused.toString());
      actions.addObject().put("do", "waitForFile").put("path", resume.toString()).put("timeoutMs", 60000);
      actions.addAll((com.fasterxml.jackson.databind.node.ArrayNode) JSON.readTree(after));
      CompletableFuture<JsonNode> client = startClient(gateway.mcpUrl(), actions.toString());
      awaitFileOrClientEnd(paused, client);

      kill(flaky);
      peer(flakyKind.start(flakyPort, flakyOutputAfter));
      Files.writeString(resume, "");

      JsonNode reports = client.get(120, TimeUnit.SECONDS);
      return new RestartRun(reports, beforeActions.size(), steadyOutput, flakyOutputAfter, readiness(gateway));
    }
  }

  private static long sessionsInitialized(List<String> serverEverythingOutput) {
    synchronized (serverEverythingOutput) {
      return serverEverythingOutput.stream().filter(l -> l.contains("Session initialized with ID")).count();
    }
  }

  /**
   * server-everything killed and started again on the same port: the next call through the same
   * client session reaches the new process, which initialized exactly one session (the gateway's
   * side for this client) for two calls; the other backend initialized one session in all.
   */
  @Test
  void aRestartedServerEverythingIsInitializedAgainAndTheCallRetried() throws Exception {
    RestartRun run = restartBetween(Restartable.SERVER_EVERYTHING, """
        [{"do": "listAll", "what": "tools"},
         {"do": "call", "name": "flaky__echo", "arguments": {"message": "before restart"}},
         {"do": "call", "name": "steady__echo", "arguments": {"message": "steady before"}}]
        """, """
        [{"do": "call", "name": "flaky__echo", "arguments": {"message": "after restart"}},
         {"do": "call", "name": "flaky__echo", "arguments": {"message": "once more"}},
         {"do": "call", "name": "steady__echo", "arguments": {"message": "steady after"}},
         {"do": "listAll", "what": "tools"}]
        """);

    assertThat(run.reports().get(1).path("text").asText()).isEqualTo("Echo: before restart");
    assertThat(run.reports().get(2).path("text").asText()).isEqualTo("Echo: steady before");
    assertThat(run.after(0)).as("the first call after the restart, retried on a fresh backend session")
        .isEqualTo(JSON.readTree("{\"isError\": false, \"text\": \"Echo: after restart\"}"));
    assertThat(run.after(1).path("text").asText()).isEqualTo("Echo: once more");
    assertThat(run.after(2).path("text").asText()).isEqualTo("Echo: steady after");
    assertThat(items(run.after(3))).contains("flaky__echo", "steady__echo");
    assertThat(sessionsInitialized(run.flakyOutputAfter())).as("sessions the restarted server-everything initialized")
        .isEqualTo(1);
    assertThat(sessionsInitialized(run.steadyOutput())).as("sessions the other backend initialized").isEqualTo(1);
  }

  /**
   * The same with the conformance fixture, whose SDK transport answers 404 for a session it does
   * not know, as the specification requires.
   */
  @Test
  void aRestartedBackendAnswering404IsInitializedAgainAndTheCallRetried() throws Exception {
    RestartRun run = restartBetween(Restartable.CONFORMANCE_FIXTURE, """
        [{"do": "listAll", "what": "tools"},
         {"do": "call", "name": "flaky__test_simple_text", "arguments": {}},
         {"do": "call", "name": "steady__echo", "arguments": {"message": "steady before"}}]
        """, """
        [{"do": "call", "name": "flaky__test_simple_text", "arguments": {}},
         {"do": "call", "name": "flaky__test_error_handling", "arguments": {}},
         {"do": "call", "name": "steady__echo", "arguments": {"message": "steady after"}},
         {"do": "listAll", "what": "tools"}]
        """);

    assertThat(run.reports().get(1).path("text").asText()).isEqualTo(Restartable.SIMPLE_TEXT);
    assertThat(run.after(0)).as("the first call after the restart, retried on a fresh backend session")
        .isEqualTo(JSON.readTree("{\"isError\": false, \"text\": \"This is a simple text response for testing.\"}"));
    assertThat(run.after(1).path("isError").asBoolean()).as("a tool the fresh session had to look up again: %s", run.after(1))
        .isTrue();
    assertThat(run.after(1).has("error")).isFalse();
    assertThat(run.after(2).path("text").asText()).isEqualTo("Echo: steady after");
    assertThat(items(run.after(3))).contains("flaky__test_simple_text", "steady__echo");
    assertThat(sessionsInitialized(run.steadyOutput())).as("sessions the other backend initialized").isEqualTo(1);
    assertThat(run.readiness().at("/backends/flaky/circuit").asText()).isEqualTo("closed");
  }

  /** The first request after the restart is a tools/list: the restarted backend's tools are in the answer. */
  @Test
  void aListAfterTheRestartStillHasTheRestartedBackendsTools() throws Exception {
    RestartRun run = restartBetween(Restartable.CONFORMANCE_FIXTURE, """
        [{"do": "listAll", "what": "tools"}]
        """, """
        [{"do": "listAll", "what": "tools"},
         {"do": "call", "name": "flaky__test_simple_text", "arguments": {}}]
        """);

    assertThat(items(run.reports().get(0))).contains("flaky__test_simple_text", "steady__echo");
    assertThat(items(run.after(0))).as("tools/list right after flaky restarted").contains("flaky__test_simple_text", "steady__echo");
    assertThat(run.after(1).path("text").asText()).isEqualTo(Restartable.SIMPLE_TEXT);
  }

  /**
   * The first request after the restart calls a tool the session never listed (so the gateway
   * must look it up on the backend before policy can decide): it is answered too.
   */
  @Test
  void aCallToAToolNotYetListedAfterTheRestartIsAnswered() throws Exception {
    RestartRun run = restartBetween(Restartable.CONFORMANCE_FIXTURE, """
        [{"do": "call", "name": "steady__echo", "arguments": {"message": "steady before"}}]
        """, """
        [{"do": "call", "name": "flaky__test_simple_text", "arguments": {}}]
        """);

    assertThat(run.reports().get(0).path("text").asText()).isEqualTo("Echo: steady before");
    assertThat(run.after(0)).as("the first call after the restart, to a tool the session had not listed")
        .isEqualTo(JSON.readTree("{\"isError\": false, \"text\": \"This is a simple text response for testing.\"}"));
  }

  // ---------------------------------------------------------------------------------------------
  // (b) a backend that is down at initialize joins later
  // ---------------------------------------------------------------------------------------------

  /**
   * A stdio server-everything and an HTTP one that is not listening yet when the client
   * initializes: the session opens with the first; when the second starts it joins, the SDK client
   * hears notifications/tools/list_changed on its GET stream and then lists and calls its tools.
   */
  @Test
  void aBackendDownAtInitializeJoinsLaterAndTheClientIsTold() throws Exception {
    int latePort = TestPeers.freePort();
    try (RunningGateway gateway = RunningGateway.start("""
        server: {port: 0}
        %s
        backends:
          - name: local
            stdio: {command: %s}
          - name: late
            http: {url: "http://127.0.0.1:%d/mcp", connectTimeout: 1s}
        """.formatted(SHORT_ROUTING, TestPeers.yamlList(TestPeers.serverEverythingStdio()), latePort))) {
      Path listed = dir.resolve("listed");
      CompletableFuture<JsonNode> client = startClient(gateway.mcpUrl(), """
          [{"do": "listAll", "what": "tools"},
           {"do": "call", "name": "late__echo", "arguments": {"message": "too early"}},
           {"do": "touch", "path": %s},
           {"do": "waitForToolsChanged", "timeoutMs": 30000},
           {"do": "listAll", "what": "tools"},
           {"do": "call", "name": "late__echo", "arguments": {"message": "joined"}},
           {"do": "call", "name": "local__echo", "arguments": {"message": "still here"}}]
          """.formatted(JSON.writeValueAsString(listed.toString())));
      awaitFileOrClientEnd(listed, client);
      peer(TestPeers.serverEverythingHttp(latePort));

      JsonNode reports = client.get(120, TimeUnit.SECONDS);
      assertThat(items(reports.get(0))).as("tools while 'late' is down").contains("local__echo")
          .allMatch(name -> name.startsWith("local__"));
      assertThat(reports.get(1).path("error").path("code").asInt()).as("a call to the missing backend: %s", reports.get(1))
          .isNotZero();
      assertThat(reports.get(3).has("error")).as("notifications/tools/list_changed: %s", reports.get(3)).isFalse();
      assertThat(reports.get(3).path("toolsChanged").asInt()).isPositive();
      assertThat(items(reports.get(4))).as("tools once 'late' joined").contains("late__echo", "local__echo");
      assertThat(reports.get(5).path("text").asText()).isEqualTo("Echo: joined");
      assertThat(reports.get(6).path("text").asText()).isEqualTo("Echo: still here");
      assertThat(readiness(gateway).at("/backends/late/circuit").asText()).isEqualTo("closed");
    }
  }

  /**
   * While a backend is down (here it answers every request 503), the session retries initialize
   * on it after rejoinBackoff, then after twice that, and so on; once a real server takes the port,
   * the next attempt joins it and its tools can be listed and called.
   */
  @Test
  void aMissingBackendIsRetriedWithADoublingBackoffUntilItJoins() throws Exception {
    int latePort = TestPeers.freePort();
    List<Long> attempts = new CopyOnWriteArrayList<>();
    List<String> bodies = new CopyOnWriteArrayList<>();
    var down = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), latePort), 16);
    down.createContext("/", exchange -> {
      attempts.add(System.nanoTime());
      bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      exchange.sendResponseHeaders(503, -1);
      exchange.close();
    });
    down.start();
    boolean downStopped = false;
    // circuitFailures is high here: this test is about the rejoin schedule, not the breaker.
    try (RunningGateway gateway = RunningGateway.start("""
        server: {port: 0}
        routing: {rejoinBackoff: 200ms, circuitFailures: 100, circuitOpenFor: 1s, listTimeout: 5s}
        backends:
          - name: local
            stdio: {command: %s}
          - name: late
            http: {url: "http://127.0.0.1:%d/mcp"}
        """.formatted(TestPeers.yamlList(TestPeers.serverEverythingStdio()), latePort))) {
      McpHttp http = new McpHttp(gateway.mcpUrl());
      String session = http.openSession();
      awaitTrue(Duration.ofSeconds(20), "four initialize attempts on the backend that is down", () -> attempts.size() >= 4);
      down.stop(0);
      downStopped = true;
      List<Long> seen = List.copyOf(attempts);
      assertThat(bodies).allMatch(b -> b.contains("\"initialize\""));
      for (int i = 1; i < 4; i++) {
        long gapMillis = TimeUnit.NANOSECONDS.toMillis(seen.get(i) - seen.get(i - 1));
        long backoff = 200L << (i - 1);
        assertThat(gapMillis).as("wait before retry %d (rejoinBackoff 200ms, doubling): %s", i, gaps(seen))
            .isGreaterThanOrEqualTo(backoff * 9 / 10);
      }

      peer(TestPeers.serverEverythingHttp(latePort));
      awaitTrue(Duration.ofSeconds(30), "late__echo listed once the backend is up", () -> {
        JsonNode list = rpc(http, session, 7, "tools/list", "{}").message();
        List<String> names = new ArrayList<>();
        list.path("result").path("tools").forEach(t -> names.add(t.path("name").asText()));
        return names.contains("late__echo");
      });
      JsonNode call = rpc(http, session, 8, "tools/call", "{\"name\": \"late__echo\", \"arguments\": {\"message\": \"joined\"}}")
          .message();
      assertThat(call.at("/result/content/0/text").asText()).as("%s", call).isEqualTo("Echo: joined");
    } finally {
      if (!downStopped) {
        down.stop(0);
      }
    }
  }

  private static List<Long> gaps(List<Long> nanos) {
    List<Long> gaps = new ArrayList<>();
    for (int i = 1; i < nanos.size(); i++) {
      gaps.add(TimeUnit.NANOSECONDS.toMillis(nanos.get(i) - nanos.get(i - 1)));
    }
    return gaps;
  }

  // ---------------------------------------------------------------------------------------------
  // (c) the circuit breaker
  // ---------------------------------------------------------------------------------------------

  /**
   * server-everything killed: two calls fail (connection refused), the circuit opens, the next
   * calls fail fast with -32020 saying so while the other backend keeps answering; /readyz and
   * /metrics show it open. Once circuitOpenFor has passed (half-open) and the server is back, the
   * next request to it (a new session's initialize) is the probe, and its success closes the circuit.
   */
  @Test
  void repeatedFailuresOpenTheCircuitAndAProbeClosesIt() throws Exception {
    int flakyPort = TestPeers.freePort();
    Process flaky = peer(TestPeers.serverEverythingHttp(flakyPort));
    try (RunningGateway gateway = RunningGateway.start("""
        server: {port: 0}
        routing: {rejoinBackoff: 200ms, circuitOpenFor: 2s, circuitFailures: 2, listTimeout: 5s}
        backends:
          - name: flaky
            http: {url: "http://127.0.0.1:%d/mcp", connectTimeout: 1s}
          - name: steady
            stdio: {command: %s}
        """.formatted(flakyPort, TestPeers.yamlList(TestPeers.serverEverythingStdio())))) {
      McpHttp http = new McpHttp(gateway.mcpUrl());
      String session = http.openSession();
      assertThat(echo(http, session, 1, "flaky", "up").at("/result/content/0/text").asText()).isEqualTo("Echo: up");
      assertThat(readiness(gateway).at("/backends/flaky")).isEqualTo(JSON.readTree(
          "{\"kind\": \"http\", \"circuit\": \"closed\", \"consecutiveFailures\": 0}"));
      assertThat(readiness(gateway).at("/backends/steady/kind").asText()).isEqualTo("stdio");

      kill(flaky);
      for (int id = 2; id <= 3; id++) {
        Answer failed = rpc(http, session, id, "tools/call", echoParams("flaky", "down"));
        assertThat(failed.message().at("/error/code").asInt()).as("call %d while flaky is down: %s", id, failed).isEqualTo(-32020);
        assertThat(failed.message().at("/error/message").asText()).doesNotContain("circuit");
      }
      Answer fast = rpc(http, session, 4, "tools/call", echoParams("flaky", "down"));
      assertThat(fast.message().at("/error/code").asInt()).as("%s", fast).isEqualTo(-32020);
      assertThat(fast.message().at("/error/message").asText()).as("%s", fast).contains("circuit is open");
      assertThat(fast.message().at("/id").asInt()).isEqualTo(4);
      JsonNode open = readiness(gateway).at("/backends/flaky");
      assertThat(open.path("circuit").asText()).isEqualTo("open");
      assertThat(open.path("consecutiveFailures").asInt()).isEqualTo(2);
      assertThat(readiness(gateway).at("/backends/steady/circuit").asText()).isEqualTo("closed");
      String metrics = metrics(gateway);
      assertThat(metric(metrics, "portcullis_backend_circuit_state", "backend=\"flaky\"")).isEqualTo(1.0);
      assertThat(metric(metrics, "portcullis_backend_circuit_state", "backend=\"steady\"")).isEqualTo(0.0);
      assertThat(metric(metrics, "portcullis_backend_errors_total", "backend=\"flaky\"", "failure=\"circuit_open\"")).isPositive();
      assertThat(metric(metrics, "portcullis_backend_errors_total", "backend=\"flaky\"", "failure=\"backend_unavailable\""))
          .isGreaterThanOrEqualTo(2.0);
      assertThat(echo(http, session, 5, "steady", "unaffected").at("/result/content/0/text").asText())
          .as("the other backend while flaky's circuit is open").isEqualTo("Echo: unaffected");

      // Back on the same port; this session's side of it is gone with the old process, so only a
      // new session's initialize probes it here (recovering a lost side is the restart tests' matter).
      peer(TestPeers.serverEverythingHttp(flakyPort));
      awaitTrue(Duration.ofSeconds(15), "flaky's circuit half-open",
          () -> readiness(gateway).at("/backends/flaky/circuit").asText().equals("half-open"));

      String probing = http.openSession();
      JsonNode closed = readiness(gateway).at("/backends/flaky");
      assertThat(closed).as("after the probe (a new session's initialize) succeeded").isEqualTo(JSON.readTree(
          "{\"kind\": \"http\", \"circuit\": \"closed\", \"consecutiveFailures\": 0}"));
      assertThat(echo(http, probing, 7, "flaky", "recovered").at("/result/content/0/text").asText()).isEqualTo("Echo: recovered");
      assertThat(metric(metrics(gateway), "portcullis_backend_circuit_state", "backend=\"flaky\"")).isEqualTo(0.0);
    }
  }

  /**
   * server-everything stopped (SIGSTOP: connections are accepted, nothing answers): two calls time
   * out (-32021) and open the circuit. Half-open, of two concurrent calls exactly one goes through
   * as the probe (and times out: the circuit opens again) while the other is refused at once. After
   * SIGCONT the next probe is a call on the same session; it succeeds and closes the circuit.
   */
  @Test
  void timeoutsOpenTheCircuitAndHalfOpenLetsExactlyOneProbeThrough() throws Exception {
    int flakyPort = TestPeers.freePort();
    Process flaky = peer(TestPeers.serverEverythingHttp(flakyPort));
    try (RunningGateway gateway = RunningGateway.start("""
        server: {port: 0}
        routing: {rejoinBackoff: 200ms, circuitOpenFor: 1s, circuitFailures: 2, listTimeout: 5s}
        backends:
          - name: flaky
            http: {url: "http://127.0.0.1:%d/mcp", firstByteTimeout: 1500ms}
          - name: steady
            stdio: {command: %s}
        """.formatted(flakyPort, TestPeers.yamlList(TestPeers.serverEverythingStdio())))) {
      McpHttp http = new McpHttp(gateway.mcpUrl());
      String session = http.openSession();
      assertThat(echo(http, session, 1, "flaky", "up").at("/result/content/0/text").asText()).isEqualTo("Echo: up");

      signal(flaky, "STOP");
      try {
        for (int id = 2; id <= 3; id++) {
          Answer timedOut = rpc(http, session, id, "tools/call", echoParams("flaky", "stopped"));
          assertThat(timedOut.message().at("/error/code").asInt()).as("call %d while flaky is stopped: %s", id, timedOut)
              .isEqualTo(-32021);
        }
        Answer fast = rpc(http, session, 4, "tools/call", echoParams("flaky", "stopped"));
        assertThat(fast.message().at("/error/code").asInt()).as("%s", fast).isEqualTo(-32020);
        assertThat(fast.message().at("/error/message").asText()).contains("circuit is open");
        assertThat(metric(metrics(gateway), "portcullis_backend_errors_total", "backend=\"flaky\"", "failure=\"backend_timeout\""))
            .isGreaterThanOrEqualTo(2.0);

        awaitTrue(Duration.ofSeconds(10), "flaky's circuit half-open",
            () -> readiness(gateway).at("/backends/flaky/circuit").asText().equals("half-open"));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
          CountDownLatch go = new CountDownLatch(1);
          List<Future<Answer>> both = new ArrayList<>();
          for (int id = 5; id <= 6; id++) {
            int requestId = id;
            both.add(pool.submit(() -> {
              go.await();
              return rpc(http, session, requestId, "tools/call", echoParams("flaky", "half-open"));
            }));
          }
          go.countDown();
          List<JsonNode> errors = new ArrayList<>();
          for (Future<Answer> f : both) {
            errors.add(f.get(30, TimeUnit.SECONDS).message().path("error"));
          }
          assertThat(errors).as("two calls while half-open: %s", errors)
              .anySatisfy(e -> assertThat(e.path("code").asInt()).isEqualTo(-32021))
              .anySatisfy(e -> {
                assertThat(e.path("code").asInt()).isEqualTo(-32020);
                assertThat(e.path("message").asText()).contains("circuit is open");
              });
        } finally {
          pool.shutdownNow();
        }
        assertThat(readiness(gateway).at("/backends/flaky/circuit").asText()).as("after the probe failed").isEqualTo("open");
      } finally {
        signal(flaky, "CONT");
      }

      awaitTrue(Duration.ofSeconds(10), "flaky's circuit half-open again",
          () -> readiness(gateway).at("/backends/flaky/circuit").asText().equals("half-open"));
      JsonNode probe = echo(http, session, 7, "flaky", "probe");
      assertThat(probe.at("/result/content/0/text").asText()).as("the probe on the same session: %s", probe).isEqualTo("Echo: probe");
      assertThat(readiness(gateway).at("/backends/flaky")).isEqualTo(JSON.readTree(
          "{\"kind\": \"http\", \"circuit\": \"closed\", \"consecutiveFailures\": 0}"));
      assertThat(echo(http, session, 8, "flaky", "closed").at("/result/content/0/text").asText()).isEqualTo("Echo: closed");
    }
  }

  /**
   * A call to a backend that is down, naming a tool the session has not listed (so the gateway asks
   * the backend for its tools before policy decides): the failure is answered under the client's own
   * request id, with -32020, and it counts against the backend like any other.
   */
  @Test
  void aFailureWhileLookingUpTheToolIsAnsweredUnderTheClientsId() throws Exception {
    int flakyPort = TestPeers.freePort();
    Process flaky = peer(TestPeers.serverEverythingHttp(flakyPort));
    try (RunningGateway gateway = RunningGateway.start("""
        server: {port: 0}
        %s
        backends:
          - name: flaky
            http: {url: "http://127.0.0.1:%d/mcp", connectTimeout: 1s}
          - name: steady
            stdio: {command: %s}
        """.formatted(SHORT_ROUTING, flakyPort, TestPeers.yamlList(TestPeers.serverEverythingStdio())))) {
      McpHttp http = new McpHttp(gateway.mcpUrl());
      String session = http.openSession();
      kill(flaky);

      Answer failed = rpc(http, session, 42, "tools/call", echoParams("flaky", "never listed"));
      assertThat(failed.message().path("id")).as("%s", failed).isEqualTo(JSON.getNodeFactory().numberNode(42));
      assertThat(failed.message().at("/error/code").asInt()).as("%s", failed).isEqualTo(-32020);
      assertThat(readiness(gateway).at("/backends/flaky/consecutiveFailures").asInt()).isEqualTo(1);
    }
  }

  private static void signal(Process process, String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).as("kill -%s %d", signal, process.pid()).isZero();
  }

  // ---------------------------------------------------------------------------------------------
  // (d) stdio backends are bounded: one process each
  // ---------------------------------------------------------------------------------------------

  /**
   * Two stdio backends, each server-everything behind a wrapper that records every launch. Four
   * sessions open at once while the processes start, then 40 concurrent tools/call spread over
   * them and both backends: every call gets its own answer, and each backend was launched once.
   * Then one process is killed and another 40 calls come at once: it is started again exactly once.
   */
  @Test
  void aStormOfCallsFromManySessionsRunsOneProcessPerStdioBackend() throws Exception {
    Path launchesA = dir.resolve("launches-a");
    Path launchesB = dir.resolve("launches-b");
    try (RunningGateway gateway = RunningGateway.start("""
        server: {port: 0}
        %s
        backends:
          - name: a
            stdio: {command: ["/bin/sh", "%s"], restartBackoff: 200ms}
          - name: b
            stdio: {command: ["/bin/sh", "%s"], restartBackoff: 200ms}
        """.formatted(SHORT_ROUTING, recordingWrapper("a", launchesA), recordingWrapper("b", launchesB)))) {
      McpHttp http = new McpHttp(gateway.mcpUrl());
      ExecutorService pool = Executors.newFixedThreadPool(40);
      try {
        List<Future<String>> opening = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          opening.add(pool.submit(http::openSession));
        }
        List<String> sessions = new ArrayList<>();
        for (Future<String> f : opening) {
          sessions.add(f.get(60, TimeUnit.SECONDS));
        }
        assertThat(sessions).doesNotHaveDuplicates();

        List<String> answers = storm(pool, http, sessions, "first");
        for (int i = 0; i < 40; i++) {
          assertThat(answers.get(i)).as("call %d", i).isEqualTo("Echo: first-" + i);
        }
        assertThat(launches(launchesA)).as("launches of backend a").hasSize(1);
        assertThat(launches(launchesB)).as("launches of backend b").hasSize(1);
        long pidA = Long.parseLong(launches(launchesA).get(0));
        assertThat(ProcessHandle.of(pidA).map(ProcessHandle::isAlive)).as("a's one process").contains(true);

        ProcessHandle.of(pidA).ifPresent(ProcessHandle::destroyForcibly);
        awaitTrue(Duration.ofSeconds(10), "a's process gone", () -> ProcessHandle.of(pidA).map(p -> !p.isAlive()).orElse(true));
        List<String> duringRestart = storm(pool, http, sessions, "second");
        java.util.concurrent.atomic.AtomicInteger ids = new java.util.concurrent.atomic.AtomicInteger(1000);
        awaitTrue(Duration.ofSeconds(30), "a answers again after its restart", () -> {
          JsonNode answer = echo(http, sessions.get(0), ids.incrementAndGet(), "a", "again");
          return "Echo: again".equals(answer.at("/result/content/0/text").asText());
        });
        assertThat(duringRestart).as("every call of the second storm was answered (a result or an error)")
            .hasSize(40).doesNotContainNull();
        for (int i = 1; i < 40; i += 2) {
          assertThat(duringRestart.get(i)).as("call %d, to b", i).isEqualTo("Echo: second-" + i);
        }
        assertThat(launches(launchesA)).as("launches of backend a after its process was killed during a storm").hasSize(2);
        assertThat(launches(launchesB)).as("launches of backend b").hasSize(1);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  /**
   * 40 concurrent tools/call, released together: call i goes to session i % 4 and to backend a
   * (even i) or b (odd i). The answers, in call order: the echoed text, or "error: ..." for a
   * JSON-RPC error.
   */
  private static List<String> storm(ExecutorService pool, McpHttp http, List<String> sessions, String tag) throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    List<Future<String>> calls = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      int n = i;
      calls.add(pool.submit(() -> {
        go.await();
        JsonNode answer = echo(http, sessions.get(n % sessions.size()), 100 + n, n % 2 == 0 ? "a" : "b", tag + "-" + n);
        assertThat(answer.path("id").asInt()).as("the answer's id").isEqualTo(100 + n);
        return answer.has("error") ? "error: " + answer.path("error") : answer.at("/result/content/0/text").asText();
      }));
    }
    go.countDown();
    List<String> answers = new ArrayList<>();
    for (Future<String> f : calls) {
      answers.add(f.get(90, TimeUnit.SECONDS));
    }
    return answers;
  }

  /** A shell script that records its pid in {@code launches}, then becomes server-everything (stdio). */
  private Path recordingWrapper(String name, Path launches) throws Exception {
    List<String> command = TestPeers.serverEverythingStdio();
    String script = "#!/bin/sh\necho $$ >> '" + launches + "'\nexec '" + String.join("' '", command) + "'\n";
    Path wrapper = Files.writeString(dir.resolve("wrapper-" + name + ".sh"), script);
    Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
    return wrapper;
  }

  private static List<String> launches(Path file) throws Exception {
    return Files.exists(file) ? Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList() : List.of();
  }

  // ---------------------------------------------------------------------------------------------
  // helpers
  // ---------------------------------------------------------------------------------------------

  /** Runs many-backends-client.mjs with these actions on its own thread; completes with its reports. */
  private CompletableFuture<JsonNode> startClient(String url, String actions) throws Exception {
    JSON.readTree(actions); // fail here, not in the script, on a malformed action list
    Path file = Files.writeString(Files.createTempFile(dir, "actions", ".json"), actions);
    CompletableFuture<JsonNode> reports = new CompletableFuture<>();
    Thread thread = new Thread(() -> {
      try {
        TestPeers.Output output = TestPeers.run(
            List.of(TestPeers.node(), TestPeers.script("many-backends-client.mjs"), url, file.toString()), Map.of(), 110);
        if (output.exitCode() != 0) {
          throw new AssertionError("many-backends-client.mjs exited " + output.exitCode() + "; stderr:\n" + output.stderr());
        }
        reports.complete(JSON.readTree(output.lastLine()));
      } catch (Throwable e) {
        reports.completeExceptionally(e);
      }
    }, "sdk-client");
    thread.setDaemon(true);
    thread.start();
    return reports;
  }

  /** Waits for the client script to create {@code file}; fails at once if the script ended first. */
  private static void awaitFileOrClientEnd(Path file, CompletableFuture<JsonNode> client) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(file)) {
      if (client.isDone()) {
        throw new AssertionError("the client ended before reaching its pause: " + client.get());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the client did not reach its pause within 60 s");
      }
      Thread.sleep(20);
    }
  }

  /** Polls {@code condition} every 50 ms until it holds, failing after {@code within}. */
  private static void awaitTrue(Duration within, String what, ThrowingCondition condition) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + within.toSeconds() + " s: " + what);
      }
      Thread.sleep(50);
    }
  }

  @FunctionalInterface
  private interface ThrowingCondition {
    boolean holds() throws Exception;
  }

  private static List<String> items(JsonNode report) {
    assertThat(report.has("items")).as("a list report: %s", report).isTrue();
    List<String> names = new ArrayList<>();
    report.get("items").forEach(n -> names.add(n.asText()));
    return names;
  }

  /** An HTTP status with the JSON-RPC message that answered the request (from a JSON body or an SSE stream). */
  private record Answer(int status, JsonNode message) {
  }

  private static String echoParams(String backend, String message) {
    return "{\"name\": \"" + backend + "__echo\", \"arguments\": {\"message\": \"" + message + "\"}}";
  }

  private static JsonNode echo(McpHttp http, String session, int id, String backend, String message) throws Exception {
    return rpc(http, session, id, "tools/call", echoParams(backend, message)).message();
  }

  private static Answer rpc(McpHttp http, String session, int id, String method, String params) throws Exception {
    HttpResponse<String> response = http.post("{\"jsonrpc\": \"2.0\", \"id\": " + id + ", \"method\": \"" + method
        + "\", \"params\": " + params + "}").session(session).send();
    String type = response.headers().firstValue("Content-Type").orElse("");
    if (!type.startsWith("text/event-stream")) {
      return new Answer(response.statusCode(), JSON.readTree(response.body()));
    }
    for (String event : response.body().split("\r?\n\r?\n")) {
      StringBuilder data = new StringBuilder();
      for (String line : event.split("\r?\n")) {
        if (line.startsWith("data:")) {
          data.append(data.length() > 0 ? "\n" : "").append(line.substring(5).strip());
        }
      }
      if (data.length() > 0) {
        JsonNode message = JSON.readTree(data.toString());
        if (message.path("id").asInt(-1) == id && (message.has("result") || message.has("error"))) {
          return new Answer(response.statusCode(), message);
        }
      }
    }
    throw new AssertionError("no answer to request " + id + " in the stream: " + response.body());
  }

  private static JsonNode readiness(RunningGateway gateway) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/readyz"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(response.body());
  }

  private static String metrics(RunningGateway gateway) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/metrics"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  /** The value of the sample of {@code name} whose labels include every one of {@code labels}; fails if there is none. */
  private static double metric(String scrape, String name, String... labels) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$").matcher(scrape);
    while (m.find()) {
      String found = m.group(1);
      if (java.util.Arrays.stream(labels).allMatch(found::contains)) {
        return Double.parseDouble(m.group(2));
      }
    }
    throw new AssertionError("no sample " + name + " with " + List.of(labels) + " in:\n" + scrape.lines()
        .filter(l -> l.startsWith("portcullis_backend")).collect(java.util.stream.Collectors.joining("\n")));
  }
}
