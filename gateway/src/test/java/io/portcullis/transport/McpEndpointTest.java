package io.portcullis.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.testing.McpHttp;
import io.portcullis.testing.RecordingMcpServer;
import io.portcullis.testing.RunningGateway;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The /mcp endpoint over real sockets, with a recording MCP backend behind it, so that each test
 * can say both what the client got and what reached the backend.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class McpEndpointTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String TOOLS_LIST = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}";
  static final String CLIENT_TOKEN = "client-token-0123456789";

  RecordingMcpServer backend;
  RunningGateway gateway;
  McpHttp mcp;
  String session;

  @BeforeAll
  void start() throws Exception {
    backend = RecordingMcpServer.start();
    gateway = RunningGateway.start("""
        server: {port: 0}
        mcp:
          maxBodySize: 8KiB
          sessions: {max: 50}
        auth:
          anonymous: {enabled: true, subject: tester, roles: [admin]}
          providers:
            - static:
                tokens:
                  - {sha256: "%s", subject: token-holder, roles: [admin]}
        backends:
          - name: recorder
            http:
              url: %s
              headers: {X-Gateway-Credential: backend-secret}
        """.formatted(io.portcullis.Sha256.hex(CLIENT_TOKEN), backend.url()));
    mcp = new McpHttp(gateway.mcpUrl());
    session = mcp.openSession();
    // The gateway learns a session's tools from its tools/list (or lists them itself before a
    // first call); listing them here keeps what each test sees at the backend to its own requests.
    mcp.post(TOOLS_LIST).session(session).send();
  }

  @AfterAll
  void stop() throws Exception {
    gateway.close();
    backend.close();
  }

  @BeforeEach
  void forgetWhatTheBackendSaw() {
    backend.reset();
  }

  static JsonNode json(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }

  /** The JSON-RPC messages of an SSE body, one per data line (the gateway writes one line each). */
  static List<JsonNode> sseMessages(HttpResponse<String> response) {
    return response.body().lines().filter(l -> l.startsWith("data: ")).map(l -> {
      try {
        return JSON.readTree(l.substring(6));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }).toList();
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class BadInput {
    Stream<Arguments> cases() {
      String big = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\""
          + "x".repeat(9000) + "\"}}}";
      return Stream.of(
          bad("a foreign Origin", (m, s) -> m.post(TOOLS_LIST).session(s).header("Origin", "http://evil.example.com"), 403, -32006),
          bad("a foreign Host", (m, s) -> m.post(TOOLS_LIST).session(s).header("Host", "evil.example.com"), 403, -32006),
          bad("a body over the limit", (m, s) -> m.post(big).session(s), 413, -32005),
          bad("a body that is not JSON", (m, s) -> m.post("{not json").session(s), 400, -32700),
          bad("JSON with a duplicate key", (m, s) -> m.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"ping\"}").session(s), 400, -32700),
          bad("JSON that is not JSON-RPC", (m, s) -> m.post("{\"hello\":\"world\"}").session(s), 400, -32600),
          bad("a request with a null id", (m, s) -> m.post("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}").session(s), 400, -32600),
          bad("a batch", (m, s) -> m.post("[" + TOOLS_LIST + "]").session(s), 400, -32600),
          bad("a Content-Type other than JSON", (m, s) -> m.post(TOOLS_LIST).session(s).header("Content-Type", "text/plain"), 415, null),
          bad("an Accept without text/event-stream", (m, s) -> m.post(TOOLS_LIST).session(s).header("Accept", "application/json"), 406, null),
          bad("an unsupported protocol version", (m, s) -> m.post(TOOLS_LIST).session(s).header("MCP-Protocol-Version", "1999-01-01"), 400, -32600),
          bad("a request without a session", (m, s) -> m.post(TOOLS_LIST), 400, -32600),
          bad("a request for an unknown session", (m, s) -> m.post(TOOLS_LIST).session("no-such-session"), 404, -32001),
          bad("a batch without a session", (m, s) -> m.post("[" + TOOLS_LIST + "]").header("MCP-Protocol-Version", "2025-03-26"),
              400, -32600),
          bad("a batch for an unknown session", (m, s) -> m.post("[" + TOOLS_LIST + "]").session("no-such-session")
              .header("MCP-Protocol-Version", "2025-03-26"), 404, -32001),
          bad("a PUT", (m, s) -> m.method("PUT").session(s), 405, null),
          bad("a GET that does not accept SSE", (m, s) -> m.method("GET").session(s).header("Accept", "application/json"), 406, null),
          bad("a GET without a session", (m, s) -> m.method("GET").header("Accept", "text/event-stream"), 400, -32600));
    }

    static Arguments bad(String name, BiFunction<McpHttp, String, McpHttp.Request> request, int status, Integer code) {
      return Arguments.of(name, request, status, code);
    }

    @ParameterizedTest(name = "{0} is refused with {2} and reaches no backend")
    @MethodSource("cases")
    void isRefusedAndReachesNoBackend(String name, BiFunction<McpHttp, String, McpHttp.Request> request, int status, Integer code)
        throws Exception {
      HttpResponse<String> response = request.apply(mcp, session).send();

      assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
      if (code != null) {
        JsonNode body = json(response);
        assertThat(body.path("error").path("code").asInt()).isEqualTo(code);
        assertThat(body.get("id").isNull()).isTrue();
      }
      if (status == 405) {
        assertThat(response.headers().firstValue("Allow")).hasValue("GET, POST, DELETE");
      }
      assertThat(backend.received()).as("what reached the backend").isEmpty();
    }
  }

  @Nested
  class Messages {
    @Test
    void aRequestIsAnsweredWithTheBackendsJsonAnswerUnderTheClientsId() throws Exception {
      HttpResponse<String> response = mcp.post("{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":\"tools/call\","
          + "\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"hi\"}}}").session(session).send();

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
      assertThat(json(response).get("id").asText()).isEqualTo("abc");
      assertThat(json(response).at("/result/content/0/text").asText()).isEqualTo("hi");
      JsonObject upstream = backend.received().get(0).body();
      assertThat(upstream.getValue("id")).as("the gateway owns upstream ids").isNotEqualTo("abc");
    }

    @Test
    void aBodyThatArrivesInSeveralChunksIsReadWhole() throws Exception {
      // Sent with chunked encoding, each HTTP chunk reaches the handler as a chunk of its own
      // (Netty decodes them one by one); cut inside a two-byte character, so a boundary splits UTF-8.
      String text = "grüße ".repeat(200);
      byte[] body = ("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
          + "\"arguments\":{\"text\":\"" + text + "\"}}}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
      int cut = "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"gr".length() + 1;
      java.net.URI url = java.net.URI.create(gateway.mcpUrl());

      String answer;
      try (java.net.Socket socket = new java.net.Socket(url.getHost(), url.getPort())) {
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(5000);
        var out = socket.getOutputStream();
        out.write(("POST " + url.getPath() + " HTTP/1.1\r\nHost: " + url.getHost() + "\r\nContent-Type: application/json\r\n"
            + "Accept: application/json, text/event-stream\r\nMcp-Session-Id: " + session + "\r\nMCP-Protocol-Version: 2025-11-25\r\n"
            + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        for (int[] range : new int[][] {{0, cut}, {cut, cut + 700}, {cut + 700, body.length}}) {
          out.write((Integer.toHexString(range[1] - range[0]) + "\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          out.write(body, range[0], range[1] - range[0]);
          out.write("\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          out.flush();
        }
        out.write("0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        out.flush();
        answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      }

      assertThat(answer).startsWith("HTTP/1.1 200");
      assertThat(backend.received().get(0).body().getJsonObject("params").getJsonObject("arguments").getString("text"))
          .isEqualTo(text);
    }

    @Test
    void notificationsAreAcceptedWith202AndForwarded() throws Exception {
      HttpResponse<String> response = mcp.post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/roots/list_changed\"}")
          .session(session).send();

      assertThat(response.statusCode()).isEqualTo(202);
      assertThat(backend.methods()).containsExactly("notifications/roots/list_changed");
    }

    @Test
    void anAnswerToARequestTheGatewayNeverRelayedIsRefused() throws Exception {
      HttpResponse<String> response = mcp.post("{\"jsonrpc\":\"2.0\",\"id\":\"forged\",\"result\":{}}").session(session).send();

      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(backend.received()).isEmpty();
    }

    @Test
    void anSseAnswerIsRelayedAsSseWithTheClientsProgressToken() throws Exception {
      HttpResponse<String> response = mcp.post("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":\"countdown\","
          + "\"arguments\":{\"steps\":2},\"_meta\":{\"progressToken\":\"client-token\"}}}").session(session).send();

      assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
      List<JsonNode> events = sseMessages(response);
      assertThat(events).hasSize(3);
      assertThat(events.get(0).at("/params/progressToken").asText()).isEqualTo("client-token");
      assertThat(events.get(2).get("id").asInt()).isEqualTo(9);
      Object upstreamToken = backend.received().get(0).body().getJsonObject("params").getJsonObject("_meta").getValue("progressToken");
      assertThat(upstreamToken).as("the token the backend saw is the gateway's").isNotEqualTo("client-token");
    }

    @Test
    void twoClientsUsingTheSameIdsAtOnceEachGetTheirOwnAnswer() throws Exception {
      String other = mcp.openSession();
      backend.reset();
      String call = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
          + "\"arguments\":{\"text\":\"%s\",\"delayMs\":%d}}}";
      var first = CompletableFuture.supplyAsync(() -> send(mcp.post(call.formatted("first", 400)).session(session)));
      var second = CompletableFuture.supplyAsync(() -> send(mcp.post(call.formatted("second", 100)).session(other)));

      assertThat(json(first.get()).at("/result/content/0/text").asText()).isEqualTo("first");
      assertThat(json(second.get()).at("/result/content/0/text").asText()).isEqualTo("second");
      assertThat(json(first.get()).get("id").asInt()).isEqualTo(7);
      assertThat(json(second.get()).get("id").asInt()).isEqualTo(7);
      List<Object> upstreamIds = backend.received().stream().filter(r -> "tools/call".equals(r.body().getString("method")))
          .map(r -> r.body().getValue("id")).toList();
      assertThat(upstreamIds).hasSize(2).doesNotHaveDuplicates();
    }

    @Test
    void theClientsCredentialsNeverReachTheBackendButTheGatewaysOwnDo() throws Exception {
      String bearer = "Bearer " + CLIENT_TOKEN;
      String own = mcp.post(McpHttp.initializeBody(1)).header("Authorization", bearer).send()
          .headers().firstValue("Mcp-Session-Id").orElseThrow();
      backend.reset();
      HttpResponse<String> listed = mcp.post(TOOLS_LIST).session(own).header("Authorization", bearer).header("Cookie", "sid=client").send();

      assertThat(listed.statusCode()).isEqualTo(200);
      RecordingMcpServer.Received upstream = backend.received().get(0);
      assertThat(upstream.headers().get("Authorization")).isNull();
      assertThat(upstream.headers().get("Cookie")).isNull();
      assertThat(upstream.headers().get("X-Gateway-Credential")).isEqualTo("backend-secret");
      assertThat(upstream.headers().get("Mcp-Session-Id")).as("the backend's own session id").startsWith("upstream-");
    }

    private HttpResponse<String> send(McpHttp.Request request) {
      try {
        return request.send();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Nested
  class Sessions {
    @Test
    void initializeIssuesTheGatewaysOwnSessionIdNotTheBackends() throws Exception {
      HttpResponse<String> response = mcp.post(McpHttp.initializeBody(1)).send();

      String id = response.headers().firstValue("Mcp-Session-Id").orElseThrow();
      assertThat(id).doesNotStartWith("upstream-").matches("[A-Za-z0-9_-]{43}");
      assertThat(json(response).at("/result/serverInfo/name").asText()).isEqualTo("portcullis");
      assertThat(json(response).at("/result/protocolVersion").asText()).isEqualTo("2025-11-25");
    }

    @Test
    void deleteEndsTheSessionHereAndAtTheBackend() throws Exception {
      String doomed = mcp.openSession();
      backend.reset();

      assertThat(mcp.method("DELETE").session(doomed).send().statusCode()).isEqualTo(200);
      assertThat(backend.received()).extracting(RecordingMcpServer.Received::method).containsExactly(io.vertx.core.http.HttpMethod.DELETE);
      HttpResponse<String> after = mcp.post(TOOLS_LIST).session(doomed).send();
      assertThat(after.statusCode()).isEqualTo(404);
      assertThat(json(after).at("/error/code").asInt()).isEqualTo(-32001);
    }

    @Test
    void aGetWhenNoBackendOffersAStreamIs405AllowingOnlyWhatIsAllowed() throws Exception {
      backend.offerStreams(false);
      try {
        HttpResponse<String> response = mcp.method("GET").session(session).header("Accept", "text/event-stream").send();

        assertThat(response.statusCode()).as(response.body()).isEqualTo(405);
        assertThat(response.headers().firstValue("Allow")).hasValue("POST, DELETE");
      } finally {
        backend.offerStreams(true);
      }
    }

    @Test
    void theServerToClientStreamRelaysWhatTheBackendSendsAndPassesLastEventId() throws Exception {
      // Event ids name their backend, so that a resumption reaches the stream the event came from.
      var lines = mcp.method("GET").session(session).header("Accept", "text/event-stream").header("Last-Event-ID", "recorder.evt-41")
          .send(HttpResponse.BodyHandlers.ofLines());
      assertThat(lines.statusCode()).isEqualTo(200);
      assertThat(backend.received().get(0).headers().get("Last-Event-ID")).isEqualTo("evt-41");

      backend.pushToStreams(new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/tools/list_changed"), "evt-42");

      List<String> firstEvent = lines.body().takeWhile(l -> !l.isEmpty()).toList();
      assertThat(firstEvent).contains("id: recorder.evt-42");
      assertThat(firstEvent).anySatisfy(l -> assertThat(l).startsWith("data: ").contains("notifications/tools/list_changed"));
    }
  }

  @Nested
  class Batches {
    /** A session agreed at {@code version}, its tools listed (as in {@link #start}), the backend's record cleared. */
    String sessionSpeaking(String version) throws Exception {
      String opened = mcp.openSessionAt(version);
      mcp.post(TOOLS_LIST).session(opened).send();
      backend.reset();
      return opened;
    }

    @Test
    void aBatchFromA20250326ClientIsAnsweredWithEveryResponseOnOneStream() throws Exception {
      String batch = "[{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
          + "\"arguments\":{\"text\":\"one\",\"delayMs\":200}}},"
          + "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/roots/list_changed\"},"
          + "{\"jsonrpc\":\"2.0\",\"id\":\"b\",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
          + "\"arguments\":{\"text\":\"two\"}}}]";
      String legacy = sessionSpeaking("2025-03-26");
      HttpResponse<String> response = mcp.post(batch).session(legacy).header("MCP-Protocol-Version", null).send();

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
      List<JsonNode> answers = sseMessages(response);
      assertThat(answers).extracting(a -> a.get("id").asText() + "=" + a.at("/result/content/0/text").asText())
          .containsExactlyInAnyOrder("a=one", "b=two");
      assertThat(backend.methods()).containsExactlyInAnyOrder("tools/call", "tools/call", "notifications/roots/list_changed");
    }

    @Test
    void aBatchOfNotificationsIsAcceptedWith202() throws Exception {
      String legacy = sessionSpeaking("2025-03-26");
      HttpResponse<String> response = mcp.post("[{\"jsonrpc\":\"2.0\",\"method\":\"notifications/roots/list_changed\"}]")
          .session(legacy).header("MCP-Protocol-Version", "2025-03-26").send();

      assertThat(response.statusCode()).isEqualTo(202);
      assertThat(backend.methods()).containsExactly("notifications/roots/list_changed");
    }

    @ParameterizedTest(name = "with MCP-Protocol-Version {0}")
    @org.junit.jupiter.params.provider.NullSource
    @org.junit.jupiter.params.provider.ValueSource(strings = "2025-03-26")
    void aBatchOnASessionThatAgreed20250618IsRefusedWhateverTheHeaderSays(String header) throws Exception {
      String modern = sessionSpeaking("2025-06-18");
      HttpResponse<String> response = mcp.post("[" + TOOLS_LIST + "]").session(modern).header("MCP-Protocol-Version", header).send();

      assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
      assertThat(json(response).at("/error/code").asInt()).isEqualTo(-32600);
      assertThat(backend.received()).isEmpty();
    }

    @Test
    void aBatchWithInitializeIsRefused() throws Exception {
      HttpResponse<String> response = mcp.post("[" + McpHttp.initializeBody(1) + "]")
          .header("MCP-Protocol-Version", null).send();

      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(json(response).at("/error/code").asInt()).isEqualTo(-32600);
      assertThat(backend.received()).isEmpty();
    }
  }

  @Nested
  class Cancellation {
    @Test
    void aClientsCancellationReachesTheBackendUnderTheUpstreamId() throws Exception {
      var call = CompletableFuture.supplyAsync(() -> {
        try {
          return mcp.post("{\"jsonrpc\":\"2.0\",\"id\":31,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
              + "\"arguments\":{\"text\":\"slow\",\"delayMs\":1500}}}").session(session).send();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      Object upstreamId = awaitUpstreamCall();

      HttpResponse<String> cancel = mcp.post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
          + "\"params\":{\"requestId\":31,\"reason\":\"user gave up\"}}").session(session).send();

      assertThat(cancel.statusCode()).isEqualTo(202);
      JsonObject forwarded = backend.received().get(1).body();
      assertThat(forwarded.getString("method")).isEqualTo("notifications/cancelled");
      assertThat(forwarded.getJsonObject("params").getValue("requestId")).isEqualTo(upstreamId);
      assertThat(forwarded.getJsonObject("params").getString("reason")).isEqualTo("user gave up");
      call.get();
    }

    private Object awaitUpstreamCall() throws Exception {
      CompletableFuture<Object> seen = new CompletableFuture<>();
      long timer = gateway.vertx().setPeriodic(10, t -> backend.received().stream().findFirst()
          .ifPresent(r -> seen.complete(r.body().getValue("id"))));
      try {
        return seen.get(5, java.util.concurrent.TimeUnit.SECONDS);
      } finally {
        gateway.vertx().cancelTimer(timer);
      }
    }
  }

  @Nested
  class BackendFailures {
    @Test
    void aBackendThatDropsAnOpenStreamYieldsAJsonRpcErrorEventForTheRequest() throws Exception {
      HttpResponse<String> response = mcp.post("{\"jsonrpc\":\"2.0\",\"id\":44,\"method\":\"tools/call\","
          + "\"params\":{\"name\":\"crash\",\"arguments\":{},\"_meta\":{\"progressToken\":1}}}").session(session).send();

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
      List<JsonNode> data = sseMessages(response);
      assertThat(data).hasSize(2);
      JsonNode error = data.get(1);
      assertThat(error.get("id").asInt()).isEqualTo(44);
      assertThat(error.at("/error/message").asText()).contains("backend 'recorder'");
    }

    @Test
    void aBackendSlowerThanTheFirstByteTimeoutYields504() throws Exception {
      try (RunningGateway impatient = RunningGateway.start("""
          server: {port: 0}
          backends:
            - name: recorder
              http: {url: "%s", firstByteTimeout: 200ms}
          """.formatted(backend.url()))) {
        McpHttp client = new McpHttp(impatient.mcpUrl());
        String s = client.openSession();
        HttpResponse<String> response = client.post("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\","
            + "\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"late\",\"delayMs\":2000}}}").session(s).send();

        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(json(response).get("id").asInt()).isEqualTo(3);
        assertThat(json(response).at("/error/code").asInt()).isEqualTo(-32021);
      }
    }
  }

  @Nested
  class WhenTheBackendIsDown {
    @Test
    void initializeFailsWith502AndAJsonRpcErrorForTheRequest() throws Exception {
      int closedPort = io.portcullis.testing.TestPeers.freePort();
      try (RunningGateway lonely = RunningGateway.start("""
          server: {port: 0}
          backends:
            - name: gone
              http: {url: "http://127.0.0.1:%d/mcp"}
          """.formatted(closedPort))) {
        HttpResponse<String> response = new McpHttp(lonely.mcpUrl()).post(McpHttp.initializeBody(5)).send();

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(json(response).get("id").asInt()).isEqualTo(5);
        assertThat(json(response).at("/error/message").asText()).contains("backend 'gone'");
      }
    }
  }
}
