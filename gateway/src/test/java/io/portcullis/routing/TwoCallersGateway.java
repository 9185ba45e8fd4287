package io.portcullis.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.Sha256;
import io.portcullis.testing.McpHttp;
import io.portcullis.testing.RunningGateway;
import io.portcullis.testing.TestPeers;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * A gateway in front of one server-everything stdio process shared by two callers, Alice and Bob
 * (static tokens, role editor), and what a test does as either of them over raw HTTP.
 */
final class TwoCallersGateway implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ALICE = "alice-token-0123456789abcdef";
  static final String BOB = "bob-token-0123456789abcdef";

  private final RunningGateway gateway;
  private final McpHttp mcp;

  private TwoCallersGateway(RunningGateway gateway) {
    this.gateway = gateway;
    this.mcp = new McpHttp(gateway.mcpUrl());
  }

  /** Starts it; {@code stdioOptions} are YAML lines added to the backend's stdio settings (indented by six spaces). */
  static TwoCallersGateway start(String stdioOptions) throws Exception {
    return new TwoCallersGateway(RunningGateway.start("""
        server: {port: 0}
        auth:
          providers:
            - static:
                tokens:
                  - {sha256: "%s", subject: alice, roles: [editor]}
                  - {sha256: "%s", subject: bob, roles: [editor]}
        backends:
          - name: everything
            stdio:
              command: %s
        %s
        """.formatted(Sha256.hex(ALICE), Sha256.hex(BOB), JSON.writeValueAsString(TestPeers.serverEverythingStdio()), stdioOptions)));
  }

  McpHttp mcp() {
    return mcp;
  }

  /** Initializes a session declaring {@code capabilities} (a JSON object) and sends notifications/initialized. */
  String openSession(String token, String capabilities) throws Exception {
    HttpResponse<String> init = mcp.post("""
        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":%s,
         "clientInfo":{"name":"test","version":"1"}}}""".formatted(capabilities)).header("Authorization", "Bearer " + token).send();
    assertThat(init.statusCode()).as(init.body()).isEqualTo(200);
    String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
    mcp.post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}").session(session)
        .header("Authorization", "Bearer " + token).send();
    return session;
  }

  String openSession(String token) throws Exception {
    return openSession(token, "{}");
  }

  HttpResponse<String> post(String token, String session, int id, String method, String params) throws Exception {
    return mcp.post("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + params + "}")
        .session(session).header("Authorization", "Bearer " + token).send();
  }

  /** Sends a request (id 7) and returns its response, whether it came as JSON or as the last message of an SSE stream. */
  JsonNode call(String token, String session, String method, String params) throws Exception {
    HttpResponse<String> answer = post(token, session, 7, method, params);
    assertThat(answer.statusCode()).as(method + ": " + answer.body()).isEqualTo(200);
    if (answer.headers().firstValue("Content-Type").orElse("").startsWith("application/json")) {
      return JSON.readTree(answer.body());
    }
    JsonNode response = null;
    for (String line : answer.body().split("\n")) {
      JsonNode message = line.startsWith("data: ") ? JSON.readTree(line.substring(6)) : null;
      if (message != null && message.path("id").asInt() == 7 && !message.has("method")) {
        response = message;
      }
    }
    assertThat(response).as(method + " streamed no response: " + answer.body()).isNotNull();
    return response;
  }

  /** Opens the session's GET stream; its lines arrive in the returned list. */
  List<String> listen(String token, String session) throws Exception {
    HttpResponse<Stream<String>> get = mcp.method("GET").header("Accept", "text/event-stream").session(session)
        .header("Authorization", "Bearer " + token).send(HttpResponse.BodyHandlers.ofLines());
    assertThat(get.statusCode()).isEqualTo(200);
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> get.body().forEach(lines::add), "get-stream");
    reader.setDaemon(true);
    reader.start();
    return lines;
  }

  @Override
  public void close() throws Exception {
    gateway.close();
  }
}
