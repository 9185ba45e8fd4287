package io.portcullis.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.McpHttp;
import io.portcullis.testing.RecordingMcpServer;
import io.portcullis.testing.RunningGateway;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * Tasks on an HTTP backend: each gateway session has a session of its own there, in which the
 * backend scopes its tasks itself, so the gateway passes tasks/* through as sent. It keeps no
 * record of its own that a restart or another replica would lack.
 */
class HttpBackendTasksTest {
  @Test
  void aTaskIdTheGatewayNeverSawIsForTheBackendToJudge() throws Exception {
    try (RecordingMcpServer backend = RecordingMcpServer.start();
        RunningGateway gateway = RunningGateway.start("""
            server: {port: 0}
            backends:
              - name: recorder
                http: {url: "%s"}
            """.formatted(backend.url()))) {
      McpHttp mcp = new McpHttp(gateway.mcpUrl());
      HttpResponse<String> init = mcp.post(McpHttp.initializeBody(1)).send();
      String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
      backend.reset();

      // As after a gateway restart: the task was created through another gateway process.
      mcp.post("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tasks/get\",\"params\":{\"taskId\":\"created-before-the-restart\"}}")
          .session(session).send();

      assertThat(backend.received()).singleElement().satisfies(r -> {
        assertThat(r.body().getString("method")).isEqualTo("tasks/get");
        assertThat(r.body().getJsonObject("params").getString("taskId")).isEqualTo("created-before-the-restart");
      });
    }
  }
}
