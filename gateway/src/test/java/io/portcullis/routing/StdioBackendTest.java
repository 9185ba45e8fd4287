package io.portcullis.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.audit.AuditLog;
import io.portcullis.mcp.JsonRpcErrorCodes;
import io.portcullis.testing.McpHttp;
import io.portcullis.testing.RunningGateway;
import io.portcullis.testing.TestPeers;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway in front of server-everything run over stdio: the one child process every session
 * shares, what a client sees when that process dies mid-request, and the restart behind it. Each
 * test gets its own gateway, so a killed process never leaks into the next test.
 */
class StdioBackendTest {
  static final ObjectMapper JSON = new ObjectMapper();

  /** server-everything processes that existed before this test's gateway started; not ours. */
  Set<Long> foreign;
  RunningGateway gateway;
  McpHttp mcp;

  @BeforeEach
  void start() throws Exception {
    foreign = everythingProcesses().stream().map(ProcessHandle::pid).collect(Collectors.toSet());
    gateway = RunningGateway.start("""
        server: {port: 0}
        backends:
          - name: everything
            stdio:
              command: %s
              restartBackoff: 200ms
        """.formatted(JSON.writeValueAsString(TestPeers.serverEverythingStdio())));
    mcp = new McpHttp(gateway.mcpUrl());
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
  }

  /** Live server-everything stdio processes anywhere below this JVM. */
  static List<ProcessHandle> everythingProcesses() {
    return ProcessHandle.current().descendants()
        .filter(ProcessHandle::isAlive)
        .filter(p -> p.info().arguments().map(List::of)
            .map(args -> args.stream().anyMatch(a -> a.contains("server-everything")) && args.contains("stdio"))
            .orElse(false))
        .toList();
  }

  /** The server-everything processes this test's gateway launched. */
  List<ProcessHandle> backendProcesses() {
    return everythingProcesses().stream().filter(p -> !foreign.contains(p.pid())).toList();
  }

  static String call(Object id, String tool, String arguments, String meta) {
    return """
        {"jsonrpc":"2.0","id":%s,"method":"tools/call","params":{"name":"%s","arguments":%s%s}}"""
        .formatted(id, tool, arguments, meta == null ? "" : ",\"_meta\":" + meta);
  }

  static String echo(Object id, String message) {
    return call(id, "echo", "{\"message\":\"" + message + "\"}", null);
  }

  /**
   * The JSON-RPC response with {@code id} in an answer the gateway sent as application/json or as
   * text/event-stream (it picks JSON when the first message is the final response).
   */
  static JsonNode answer(HttpResponse<String> response, int id) throws Exception {
    String type = response.headers().firstValue("Content-Type").orElse("");
    if (type.startsWith("application/json")) {
      return JSON.readTree(response.body());
    }
    assertThat(type).as("Content-Type of: " + response.body()).startsWith("text/event-stream");
    for (String line : response.body().lines().filter(l -> l.startsWith("data: ")).toList()) {
      JsonNode message = JSON.readTree(line.substring(6));
      if (message.path("id").asInt(-1) == id && (message.has("result") || message.has("error"))) {
        return message;
      }
    }
    throw new AssertionError("no response with id " + id + " in the stream:\n" + response.body());
  }

  @Nested
  class ServerToClientStream {
    @Test
    void notificationsTheProcessSendsOutsideAnyRequestReachTheSessionsGetStream() throws Exception {
      String session = mcp.openSession();
      var stream = mcp.method("GET").session(session).header("Accept", "text/event-stream")
          .send(HttpResponse.BodyHandlers.ofLines());
      assertThat(stream.statusCode()).isEqualTo(200);

      HttpResponse<String> toggled = mcp.post(call(5, "toggle-simulated-logging", "{}", null)).session(session).send();
      assertThat(answer(toggled, 5).has("result")).isTrue();

      var logged = java.util.concurrent.CompletableFuture.supplyAsync(() -> stream.body()
          .filter(l -> l.startsWith("data: ") && l.contains("notifications/message")).findFirst().orElse(null));
      assertThat(logged.get(15, java.util.concurrent.TimeUnit.SECONDS)).contains("\"level\"");
      assertThat(mcp.method("GET").session(session).header("Accept", "text/event-stream").send().statusCode())
          .as("one GET stream per session on a shared process").isEqualTo(409);
    }

    @Test
    void aLogMessageReachesOnlyTheSessionItCanBelongTo() throws Exception {
      String alice = mcp.openSession();
      String bob = mcp.openSession();
      var aliceStream = mcp.method("GET").session(alice).header("Accept", "text/event-stream").send(HttpResponse.BodyHandlers.ofLines());
      var bobStream = mcp.method("GET").session(bob).header("Accept", "text/event-stream").send(HttpResponse.BodyHandlers.ofLines());
      var bobLogged = java.util.concurrent.CompletableFuture.supplyAsync(() -> bobStream.body()
          .filter(l -> l.startsWith("data: ") && l.contains("notifications/message")).findFirst().orElse(null));

      // The process logs once while alice's call is in flight (hers alone), then every 5 s while
      // nobody's is (it could be anyone's: two sessions share the process).
      HttpResponse<String> toggled = mcp.post(call(5, "toggle-simulated-logging", "{}", null)).session(alice).send();
      assertThat(answer(toggled, 5).has("result")).isTrue();

      var aliceLogged = java.util.concurrent.CompletableFuture.supplyAsync(() -> aliceStream.body()
          .filter(l -> l.startsWith("data: ") && l.contains("notifications/message")).findFirst().orElse(null));
      assertThat(aliceLogged.get(15, java.util.concurrent.TimeUnit.SECONDS)).contains("\"level\"");
      assertThatThrownBy(() -> bobLogged.get(7, java.util.concurrent.TimeUnit.SECONDS))
          .as("bob never sees alice's process log").isInstanceOf(java.util.concurrent.TimeoutException.class);
    }
  }

  @Nested
  class SharedProcess {
    @Test
    void severalSessionsShareOneBackendProcess() throws Exception {
      String first = mcp.openSession();
      assertThat(answer(mcp.post(echo(1, "warm-up")).session(first).send(), 1).at("/result/content/0/text").asText())
          .isEqualTo("Echo: warm-up");
      List<Long> before = backendProcesses().stream().map(ProcessHandle::pid).toList();
      assertThat(before).as("the gateway runs one server-everything once it is ready").hasSize(1);

      for (int i = 0; i < 3; i++) {
        String session = mcp.openSession();
        HttpResponse<String> response = mcp.post(echo(10 + i, "session-" + i)).session(session).send();

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(answer(response, 10 + i).at("/result/content/0/text").asText()).isEqualTo("Echo: session-" + i);
      }

      List<Long> after = backendProcesses().stream().map(ProcessHandle::pid).toList();
      assertThat(after).as("server-everything processes after 4 sessions").containsExactlyElementsOf(before);
    }
  }

  @Nested
  class WhenTheProcessDies {
    @Test
    void aCallInFlightGetsAJsonRpcErrorSayingTheBackendExitedRatherThanHanging() throws Exception {
      String session = mcp.openSession();
      HttpResponse<InputStream> response = mcp.post(call(7, "trigger-long-running-operation",
              "{\"duration\":10,\"steps\":10}", "{\"progressToken\":\"watch\"}"))
          .session(session).send(HttpResponse.BodyHandlers.ofInputStream());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
      BufferedReader events = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));

      // The first progress event proves the call is running in the backend before it is killed.
      JsonNode progress = within(20, () -> nextMessage(events));
      assertThat(progress.path("method").asText()).isEqualTo("notifications/progress");
      assertThat(progress.at("/params/progressToken").asText()).isEqualTo("watch");
      ProcessHandle backend = single(backendProcesses());
      backend.destroyForcibly();

      JsonNode failure = within(20, () -> {
        for (JsonNode message = nextMessage(events); ; message = nextMessage(events)) {
          if (message.has("id")) {
            return message;
          }
        }
      });
      assertThat(failure.get("id").asInt()).isEqualTo(7);
      assertThat(failure.has("result")).isFalse();
      assertThat(failure.at("/error/code").asInt()).isEqualTo(JsonRpcErrorCodes.BACKEND_UNAVAILABLE);
      assertThat(failure.at("/error/message").asText())
          .contains("backend 'everything' exited")
          .contains("while the request was in flight");
      List<String> rest = within(10, () -> events.lines().filter(l -> !l.isBlank()).toList());
      assertThat(rest).as("what the stream carried after the error, before it ended").isEmpty();
    }

    @Test
    void theGatewayRestartsItAndTheSameSessionWorksAgain() throws Exception {
      String session = mcp.openSession();
      assertThat(answer(mcp.post(echo(1, "before")).session(session).send(), 1).at("/result/content/0/text").asText())
          .isEqualTo("Echo: before");
      ProcessHandle killed = single(backendProcesses());

      killed.destroyForcibly();
      killed.onExit().get(10, TimeUnit.SECONDS);

      JsonNode again = echoUntilAnswered(session, 30);
      assertThat(again.at("/result/content/0/text").asText()).isEqualTo("Echo: again");
      ProcessHandle restarted = single(backendProcesses());
      assertThat(restarted.pid()).as("a new process").isNotEqualTo(killed.pid());
    }

    /**
     * Calls echo on the session until it answers with a result. Between the kill and the gateway
     * noticing it, a call fails fast (the backend is not running); once the gateway knows, calls
     * wait for the restart themselves.
     */
    private JsonNode echoUntilAnswered(String session, int seconds) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      String last = "nothing";
      for (int id = 100; System.nanoTime() < deadline; id++) {
        HttpResponse<String> response = mcp.post(echo(id, "again")).session(session).send();
        if (response.statusCode() == 200 && answer(response, id).has("result")) {
          return answer(response, id);
        }
        last = response.statusCode() + " " + response.body();
        // A failed call returns at once; pause briefly so the window before the gateway notices the
        // exit is not a busy loop. There is no event a client can wait on for that.
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
      }
      throw new AssertionError("echo never succeeded again within " + seconds + " s; last answer: " + last);
    }
  }

  @Nested
  class WhenTheClientGoesAway {
    /**
     * A client that goes away mid-call cancels nothing (the spec: a disconnection is no
     * cancellation): the process hears no notifications/cancelled, the call runs to its end there,
     * and it is recorded with its result. A wrapper copies what the gateway writes to the process.
     */
    @Test
    void theCallRunsToItsEndInTheProcessUncancelledAndIsRecordedWithItsResult(@TempDir Path dir) throws Exception {
      Path audit = dir.resolve("audit");
      Path stdin = dir.resolve("stdin.log");
      Path wrapper = Files.writeString(dir.resolve("teed.sh"), "#!/bin/bash\nexec '"
          + String.join("' '", TestPeers.serverEverythingStdio()) + "' < <(exec tee -a '" + stdin + "')\n");
      Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
      try (RunningGateway teed = RunningGateway.start("""
          server: {port: 0}
          audit: {directory: "%s", fsync: never}
          backends:
            - name: everything
              stdio: {command: ["%s"]}
          """.formatted(audit, wrapper))) {
        McpHttp client = new McpHttp(teed.mcpUrl());
        String session = client.openSession();

        String first = client.post(call(7, "trigger-long-running-operation", "{\"duration\":2,\"steps\":2}",
            "{\"progressToken\":\"watch\"}")).session(session).leaveAfterFirstEvent();
        assertThat(first).contains("notifications/progress");

        JsonNode record = AuditLog.awaitRecord(audit, "tools/call", java.time.Duration.ofSeconds(20));
        assertThat(record.at("/outcome/kind").asText()).as("the call's record: %s", record).isEqualTo("result");
        assertThat(Files.readString(stdin)).as("what the process was sent").contains("trigger-long-running-operation")
            .doesNotContain("notifications/cancelled");
      }
    }
  }

  static ProcessHandle single(List<ProcessHandle> processes) {
    assertThat(processes).as("the gateway's server-everything processes").hasSize(1);
    return processes.get(0);
  }

  /** The next SSE event's JSON-RPC message; fails if the stream ends first. */
  static JsonNode nextMessage(BufferedReader events) throws Exception {
    for (String line = events.readLine(); line != null; line = events.readLine()) {
      if (line.startsWith("data: ")) {
        return JSON.readTree(line.substring(6));
      }
    }
    throw new AssertionError("the stream ended");
  }

  interface Blocking<T> {
    T get() throws Exception;
  }

  /** Runs a blocking read on another thread and waits for it at most {@code seconds}. */
  static <T> T within(int seconds, Blocking<T> read) throws Exception {
    CompletableFuture<T> result = CompletableFuture.supplyAsync(() -> {
      try {
        return read.get();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    try {
      return result.get(seconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("the client was left waiting for more than " + seconds + " s", e);
    }
  }
}
