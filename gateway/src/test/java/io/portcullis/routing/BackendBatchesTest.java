package io.portcullis.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.testing.McpHttp;
import io.portcullis.testing.RecordingMcpServer;
import io.portcullis.testing.RunningGateway;
import io.portcullis.testing.TestPeers;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A backend on protocol 2025-03-26 may send a JSON-RPC batch wherever it could send one message:
 * as an SSE event's data over HTTP, as a stdout line over stdio. Through a real gateway, each
 * element reaches the client as if it had come alone; here the batch holds a call's progress
 * notification and its result.
 */
class BackendBatchesTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String CALL = "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"%s\","
      + "\"arguments\":%s,\"_meta\":{\"progressToken\":\"mine\"}}}";

  @Test
  void anSseEventHoldingABatchIsRelayedMessageByMessage() throws Exception {
    try (RecordingMcpServer backend = RecordingMcpServer.start(); RunningGateway gateway = RunningGateway.inFrontOf(backend.url(), "")) {
      HttpResponse<String> response = assertEachElementArrived(new McpHttp(gateway.mcpUrl()),
          CALL.formatted("countdown", "{\"steps\":1,\"batch\":true}"), "done");

      // The event's id goes with its last message: a client that resumes from it has had them all.
      List<String> lines = response.body().lines().toList();
      List<String> ids = lines.stream().filter(l -> l.startsWith("id: ")).toList();
      assertThat(ids).singleElement().asString().startsWith("id: recorder.batch-");
      assertThat(lines.subList(lines.indexOf(ids.get(0)), lines.size()))
          .filteredOn(l -> l.startsWith("data: ")).first().asString().contains("\"result\"");
    }
  }

  @Test
  void aStdoutLineHoldingABatchIsDispatchedMessageByMessage() throws Exception {
    try (RunningGateway gateway = RunningGateway.start("""
        server: {port: 0}
        backends:
          - name: batching
            stdio: {command: %s, requestTimeout: 5s}
        """.formatted(TestPeers.yamlList(TestPeers.nodeScript("batching-server.mjs"))))) {
      assertEachElementArrived(new McpHttp(gateway.mcpUrl()), CALL.formatted("batched", "{\"text\":\"both\"}"), "batched both");
    }
  }

  /** Calls the tool and asserts that the progress notification and the result both arrived; returns the answer. */
  private static HttpResponse<String> assertEachElementArrived(McpHttp mcp, String call, String answer) throws Exception {
    String session = mcp.openSession();
    HttpResponse<String> response = mcp.post(call).session(session).send();

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<JsonNode> messages = response.body().lines().filter(l -> l.startsWith("data: ")).map(l -> {
      try {
        return JSON.readTree(l.substring(6));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }).toList();
    assertThat(messages).as(response.body()).hasSize(2);
    assertThat(messages.get(0).path("method").asText()).isEqualTo("notifications/progress");
    assertThat(messages.get(0).at("/params/progressToken").asText()).as("the client's own token").isEqualTo("mine");
    assertThat(messages.get(1).path("id").asInt()).isEqualTo(5);
    assertThat(messages.get(1).at("/result/content/0/text").asText()).isEqualTo(answer);
    return response;
  }
}
