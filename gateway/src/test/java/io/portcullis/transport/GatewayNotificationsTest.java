package io.portcullis.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.McpHttp;
import io.portcullis.testing.RecordingMcpServer;
import io.portcullis.testing.RunningGateway;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The notifications the gateway sends of its own (the lists changed, when a backend that was down
 * at initialize joins the session), over real sockets with two recording backends, one of which
 * refuses everything until the test lets it in: each goes on one of the session's GET streams,
 * never on several, as the spec requires.
 */
class GatewayNotificationsTest {
  static final List<String> LIST_CHANGES = List.of("notifications/tools/list_changed",
      "notifications/prompts/list_changed", "notifications/resources/list_changed");

  RecordingMcpServer up;
  RecordingMcpServer late;
  RunningGateway gateway;
  McpHttp mcp;
  String session;

  @BeforeEach
  void start() throws Exception {
    up = RecordingMcpServer.start();
    late = RecordingMcpServer.start();
    late.admitOnly(headers -> false);
    gateway = RunningGateway.start("""
        server: {port: 0}
        routing: {rejoinBackoff: 100ms, circuitFailures: 100}
        backends:
          - name: up
            http: {url: "%s"}
          - name: late
            http: {url: "%s"}
        """.formatted(up.url(), late.url()));
    mcp = new McpHttp(gateway.mcpUrl());
    session = mcp.openSession();
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    up.close();
    late.close();
  }

  @Test
  void eachListChangeGoesOnOneOfTwoOpenStreams() throws Exception {
    List<String> first = listen(null);
    List<String> second = listen(null);

    late.admitOnly(headers -> true);
    awaitAllListChanges(first, second);

    List<String> seen = Stream.concat(dataLines(first), dataLines(second)).toList();
    assertThat(LIST_CHANGES).allSatisfy(change ->
        assertThat(seen.stream().filter(line -> line.contains(change))).as("streams carrying " + change).hasSize(1));
  }

  @Test
  void aStreamOpenedAfreshCarriesThemRatherThanANewerOneResumingAnother() throws Exception {
    List<String> fresh = listen(null);
    List<String> resuming = listen("up.evt-1");

    late.admitOnly(headers -> true);
    awaitAllListChanges(fresh, resuming);

    assertThat(dataLines(fresh)).hasSize(3);
    assertThat(dataLines(resuming)).as("the stream resuming another").isEmpty();
  }

  /** Opens a GET stream on the session and collects its lines as they come, on a thread of its own. */
  private List<String> listen(String lastEventId) throws Exception {
    HttpResponse<Stream<String>> stream = mcp.method("GET").session(session).header("Accept", "text/event-stream")
        .header("Last-Event-ID", lastEventId).send(HttpResponse.BodyHandlers.ofLines());
    assertThat(stream.statusCode()).isEqualTo(200);
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> stream.body().forEach(lines::add), "stream-reader");
    reader.setDaemon(true);
    reader.start();
    return lines;
  }

  /** Waits until the streams together carried every list change, then a while longer for any copy of one. */
  private static void awaitAllListChanges(List<String> a, List<String> b) throws InterruptedException {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (!LIST_CHANGES.stream().allMatch(change -> Stream.concat(dataLines(a), dataLines(b)).anyMatch(l -> l.contains(change)))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the late backend never joined: " + a + " " + b);
      }
      Thread.sleep(20);
    }
    Thread.sleep(300);
  }

  private static Stream<String> dataLines(List<String> lines) {
    return lines.stream().filter(l -> l.startsWith("data: "));
  }
}
