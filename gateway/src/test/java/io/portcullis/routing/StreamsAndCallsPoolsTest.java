package io.portcullis.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.McpHttp;
import io.portcullis.testing.RecordingMcpServer;
import io.portcullis.testing.RunningGateway;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Open GET streams do not take the connections calls to the same backend need: with a request
 * pool of two connections, three sessions each holding a server-to-client stream still get their
 * calls answered (the load harness found calls waiting without end behind idle streams).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamsAndCallsPoolsTest {
  RecordingMcpServer backend;
  RunningGateway gateway;

  @BeforeAll
  void start() throws Exception {
    backend = RecordingMcpServer.start();
    gateway = RunningGateway.inFrontOf(backend.url(), "maxConnections: 2, firstByteTimeout: 10s");
  }

  @AfterAll
  void stop() throws Exception {
    gateway.close();
    backend.close();
  }

  @Test
  void callsAreAnsweredWhileMoreStreamsAreOpenThanThePoolHasConnections() throws Exception {
    McpHttp mcp = new McpHttp(gateway.mcpUrl());
    List<String> sessions = new ArrayList<>();
    List<HttpResponse<Stream<String>>> streams = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String session = mcp.openSession();
      sessions.add(session);
      HttpResponse<Stream<String>> stream = mcp.method("GET").session(session).header("Accept", "text/event-stream")
          .send(HttpResponse.BodyHandlers.ofLines());
      assertThat(stream.statusCode()).isEqualTo(200);
      streams.add(stream);
    }
    assertThat(backend.openStreams()).isEqualTo(3);

    for (String session : sessions) {
      HttpResponse<String> call = mcp.post("""
          {"jsonrpc":"2.0","id":7,"method":"tools/list"}""").session(session).send();
      assertThat(call.statusCode()).isEqualTo(200);
      assertThat(call.body()).contains("\"tools\"");
    }
    streams.forEach(s -> s.body().close());
  }
}
