package io.portcullis.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.McpHttp;
import io.portcullis.testing.RecordingMcpServer;
import io.portcullis.testing.RunningGateway;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * {@code server.transport}: the gateway serves on Linux's epoll by default and on Java NIO when
 * asked, a whole call going through either way.
 */
class IoTransportTest {

  @Test
  void theDefaultTransportIsEpollOnLinux() throws Exception {
    assertCallOver("server: {port: 0}\n", true);
  }

  @Test
  void nioServesWhenAskedFor() throws Exception {
    assertCallOver("server: {port: 0, transport: nio}\n", false);
  }

  private static void assertCallOver(String server, boolean nativeTransport) throws Exception {
    try (RecordingMcpServer backend = RecordingMcpServer.start();
        RunningGateway gateway = RunningGateway.start(server + """
            backends:
              - name: recorder
                http: {url: "%s"}
            """.formatted(backend.url()))) {
      assertThat(gateway.vertx().isNativeTransportEnabled()).isEqualTo(nativeTransport);
      McpHttp mcp = new McpHttp(gateway.mcpUrl());
      String session = mcp.openSession();

      HttpResponse<String> call = mcp.post("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
          + "\"arguments\":{\"text\":\"over the wire\"}}}").session(session).send();

      assertThat(call.statusCode()).isEqualTo(200);
      assertThat(call.body()).contains("over the wire").contains("\"id\":7");
    }
  }
}
