package io.portcullis.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.testing.RunningGateway;
import io.portcullis.testing.TestPeers;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The TypeScript SDK's Client with StreamableHTTPClientTransport, through the gateway, to
 * server-everything over each backend kind: tools listed, echo called, and the long-running tool's
 * progress streamed to the client while the tool runs, not held until its result.
 */
class SdkClientThroughGatewayTest {

  static JsonNode runSdkClient(String url) throws Exception {
    TestPeers.Output output = TestPeers.run(
        List.of(TestPeers.node(), TestPeers.script("sdk-client.mjs"), url, "--duration", "3", "--steps", "3"), Map.of(), 90);
    assertThat(output.exitCode()).as("sdk-client stderr:\n%s", output.stderr()).isZero();
    return new ObjectMapper().readTree(output.lastLine());
  }

  static void assertClientSawTheBackendThroughTheGateway(JsonNode result) {
    List<String> tools = new ArrayList<>();
    result.get("tools").forEach(t -> tools.add(t.asText()));
    assertThat(result.get("serverName").asText()).isEqualTo("portcullis");
    assertThat(tools).contains("echo", "trigger-long-running-operation", "get-sum");
    assertThat(result.get("echo").asText()).isEqualTo("Echo: hello portcullis");
    assertThat(result.get("longRunningResult").asText()).contains("Long running operation completed");
  }

  static void assertProgressArrivedWhileTheToolRan(JsonNode result) {
    JsonNode progress = result.get("progress");
    assertThat(progress).as("progress notifications").hasSize(3);
    long firstProgressAt = progress.get(0).get("atMs").asLong();
    long resultAt = result.get("resultAtMs").asLong();
    // A 3 s tool with 3 steps reports its first step after ~1 s; relayed event by event, that
    // notification reaches the client about 2 s before the result does.
    assertThat(resultAt - firstProgressAt)
        .as("ms between first progress (%d) and result (%d): %s", firstProgressAt, resultAt,
            progress.findValues("atMs").stream().map(JsonNode::asText).collect(Collectors.joining(",")))
        .isGreaterThanOrEqualTo(1500);
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class OverStdio {
    RunningGateway gateway;

    @BeforeAll
    void start() throws Exception {
      String command = TestPeers.serverEverythingStdio().stream().map(s -> "\"" + s + "\"").collect(Collectors.joining(", "));
      gateway = RunningGateway.start("""
          server: {port: 0}
          backends:
            - name: everything
              stdio:
                command: [%s]
          """.formatted(command));
    }

    @AfterAll
    void stop() throws Exception {
      gateway.close();
    }

    @Test
    void sdkClientListsCallsAndReceivesProgressBeforeTheResult() throws Exception {
      JsonNode result = runSdkClient(gateway.mcpUrl());
      assertClientSawTheBackendThroughTheGateway(result);
      assertProgressArrivedWhileTheToolRan(result);
    }

    @Test
    void twoSdkClientsShareTheOneBackendProcessWithoutCrossingAnswers() throws Exception {
      var first = java.util.concurrent.CompletableFuture.supplyAsync(() -> call(gateway.mcpUrl()));
      var second = java.util.concurrent.CompletableFuture.supplyAsync(() -> call(gateway.mcpUrl()));
      for (JsonNode result : List.of(first.get(), second.get())) {
        assertClientSawTheBackendThroughTheGateway(result);
        assertThat(result.get("progress")).hasSize(3);
      }
      assertThat(first.get().get("sessionId").asText()).isNotEqualTo(second.get().get("sessionId").asText());
    }

    private JsonNode call(String url) {
      try {
        return runSdkClient(url);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class OverStreamableHttp {
    Process backend;
    RunningGateway gateway;

    @BeforeAll
    void start() throws Exception {
      int port = TestPeers.freePort();
      backend = TestPeers.serverEverythingHttp(port);
      gateway = RunningGateway.start("""
          server: {port: 0}
          backends:
            - name: everything
              http:
                url: http://127.0.0.1:%d/mcp
          """.formatted(port));
    }

    @AfterAll
    void stop() throws Exception {
      gateway.close();
      backend.destroy();
    }

    @Test
    void sdkClientListsCallsAndReceivesProgressBeforeTheResult() throws Exception {
      JsonNode result = runSdkClient(gateway.mcpUrl());
      assertClientSawTheBackendThroughTheGateway(result);
      assertProgressArrivedWhileTheToolRan(result);
    }
  }

  /** A backend that speaks only the HTTP+SSE transport of 2024-11-05, as many deployed servers still do. */
  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class OverLegacyHttpAndSse {
    Process backend;
    RunningGateway gateway;

    int port;

    @BeforeAll
    void start() throws Exception {
      port = TestPeers.freePort();
      backend = startServer(port);
      gateway = RunningGateway.start("""
          server: {port: 0}
          backends:
            - name: legacy
              sse:
                url: http://127.0.0.1:%d/sse
          """.formatted(port));
    }

    private Process startServer(int port) throws Exception {
      ProcessBuilder builder = new ProcessBuilder(TestPeers.node(),
          TestPeers.folder().resolve("node_modules/@modelcontextprotocol/server-everything/dist/index.js").toString(), "sse");
      builder.environment().put("PORT", Integer.toString(port));
      builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
      backend = builder.start();
      awaitListening(port);
      return backend;
    }

    private void awaitListening(int port) throws Exception {
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
      while (true) {
        try (var socket = new java.net.Socket("127.0.0.1", port)) {
          return;
        } catch (java.io.IOException notYet) {
          if (System.nanoTime() > deadline || !backend.isAlive()) {
            throw new IllegalStateException("server-everything (sse) did not start listening on " + port);
          }
          Thread.sleep(100);
        }
      }
    }

    @AfterAll
    void stop() throws Exception {
      gateway.close();
      backend.destroy();
    }

    @Test
    void sdkClientListsCallsAndReceivesProgressBeforeTheResult() throws Exception {
      JsonNode result = runSdkClient(gateway.mcpUrl());
      assertClientSawTheBackendThroughTheGateway(result);
      assertProgressArrivedWhileTheToolRan(result);
    }

    @Test
    void aRestartedLegacyServerGetsANewStreamAndTheSessionGoesOn() throws Exception {
      io.portcullis.testing.McpHttp mcp = new io.portcullis.testing.McpHttp(gateway.mcpUrl());
      String session = mcp.openSession();
      String call = """
          {"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"echo","arguments":{"message":"%s"}}}""";
      assertThat(mcp.post(call.formatted(1, "before")).session(session).send().body()).contains("Echo: before");

      backend.destroyForcibly().waitFor();
      backend = startServer(port);

      // The first call finds the old stream closed and the backend session lost; it is opened again and the call retried.
      assertThat(mcp.post(call.formatted(2, "after")).session(session).send().body()).contains("Echo: after");
    }

    @Test
    void twoClientsGetTheirOwnBackendSessionsAndAnswers() throws Exception {
      var first = java.util.concurrent.CompletableFuture.supplyAsync(() -> call(gateway.mcpUrl()));
      var second = java.util.concurrent.CompletableFuture.supplyAsync(() -> call(gateway.mcpUrl()));
      for (JsonNode result : List.of(first.get(), second.get())) {
        assertClientSawTheBackendThroughTheGateway(result);
        assertThat(result.get("progress")).hasSize(3);
      }
    }

    private JsonNode call(String url) {
      try {
        return runSdkClient(url);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
