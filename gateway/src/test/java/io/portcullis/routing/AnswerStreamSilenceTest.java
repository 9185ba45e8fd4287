package io.portcullis.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.McpHttp;
import io.portcullis.testing.RecordingMcpServer;
import io.portcullis.testing.RunningGateway;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A backend's SSE answer that falls silent for {@code streamIdleTimeout} is given up: the client
 * gets a timeout error after the progress it already saw, and the backend's stream is closed.
 * Answers that finish leave no watch behind (the unit test of {@link StreamSilence} shows it).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnswerStreamSilenceTest {
  RecordingMcpServer backend;
  RunningGateway gateway;

  @BeforeAll
  void start() throws Exception {
    backend = RecordingMcpServer.start();
    gateway = RunningGateway.inFrontOf(backend.url(), "streamIdleTimeout: 400ms");
  }

  @AfterAll
  void stop() throws Exception {
    gateway.close();
    backend.close();
  }

  @Test
  void aSilentAnswerStreamEndsInATimeoutErrorAndIsClosedAtTheBackend() throws Exception {
    McpHttp mcp = new McpHttp(gateway.mcpUrl());
    String session = mcp.openSession();

    long began = System.nanoTime();
    HttpResponse<String> call = mcp.post("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":\"stall\","
        + "\"arguments\":{},\"_meta\":{\"progressToken\":\"p\"}}}").session(session).send();
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);

    assertThat(call.statusCode()).isEqualTo(200);
    assertThat(call.body()).contains("notifications/progress").contains("\"id\":9").contains("\"error\"")
        .contains("did not answer in time");
    assertThat(tookMillis).isGreaterThanOrEqualTo(400);
    assertThat(backend.openStalledAnswers()).isZero();
  }

  @Test
  void anAnswerStreamThatKeepsTalkingIsNotCut() throws Exception {
    McpHttp mcp = new McpHttp(gateway.mcpUrl());
    String session = mcp.openSession();

    HttpResponse<String> call = mcp.post("{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"tools/call\",\"params\":{\"name\":\"countdown\","
        + "\"arguments\":{\"steps\":3},\"_meta\":{\"progressToken\":\"q\"}}}").session(session).send();

    assertThat(call.statusCode()).isEqualTo(200);
    assertThat(call.body()).contains("\"id\":10").contains("done").doesNotContain("\"error\"");
  }
}
