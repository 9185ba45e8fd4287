package io.portcullis.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.McpHttp;
import io.portcullis.testing.RecordingMcpServer;
import io.portcullis.testing.RunningGateway;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A backend's SSE answer that holds only the final response leaves the gateway in one write:
 * headers, the event and the end of the stream together, so that a client blocked in read()
 * gets the whole answer from its first read (three writes would wake it for the headers alone).
 * A raw socket shows what arrives together.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuickSseAnswerTest {
  RecordingMcpServer backend;
  RunningGateway gateway;

  @BeforeAll
  void start() throws Exception {
    backend = RecordingMcpServer.start();
    gateway = RunningGateway.inFrontOf(backend.url(), "");
  }

  @AfterAll
  void stop() throws Exception {
    gateway.close();
    backend.close();
  }

  @Test
  void aStreamedAnswerWithOnlyItsResponseArrivesInOneRead() throws Exception {
    String session = new McpHttp(gateway.mcpUrl()).openSession();
    URI url = URI.create(gateway.mcpUrl());
    List<String> firstReads = new ArrayList<>();

    try (Socket socket = new Socket(url.getHost(), url.getPort())) {
      socket.setTcpNoDelay(true);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      for (int i = 0; i < 20; i++) {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":" + i + ",\"method\":\"tools/call\",\"params\":{\"name\":\"countdown\",\"arguments\":{\"steps\":0}}}";
        out.write(("POST " + url.getPath() + " HTTP/1.1\r\nHost: " + url.getHost() + ":" + url.getPort()
            + "\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMcp-Session-Id: " + session
            + "\r\nMCP-Protocol-Version: 2025-11-25\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
            .getBytes(StandardCharsets.UTF_8));
        out.flush();
        byte[] buffer = new byte[65536];
        int n = in.read(buffer);
        String first = new String(buffer, 0, n, StandardCharsets.UTF_8);
        firstReads.add(first);
        StringBuilder all = new StringBuilder(first);
        while (!all.toString().endsWith("\r\n0\r\n\r\n")) {
          int more = in.read(buffer);
          assertThat(more).as("the stream ended early: %s", all).isPositive();
          all.append(new String(buffer, 0, more, StandardCharsets.UTF_8));
        }
        assertThat(all.toString()).contains("text/event-stream").contains("\"id\":" + i).contains("done");
      }
    }

    assertThat(firstReads).allSatisfy(first -> assertThat(first)
        .startsWith("HTTP/1.1 200").contains("text/event-stream").contains("done").endsWith("\r\n0\r\n\r\n"));
  }
}
