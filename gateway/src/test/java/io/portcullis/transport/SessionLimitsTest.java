package io.portcullis.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.mcp.JsonRpcErrorCodes;
import io.portcullis.testing.McpHttp;
import io.portcullis.testing.RecordingMcpServer;
import io.portcullis.testing.RunningGateway;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The limits on gateway sessions over real sockets: idle sessions expire (and end at the backend
 * too), an open server-to-client stream keeps a session alive, and the number of open sessions is
 * capped. A recording backend shows what the gateway did upstream.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionLimitsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String TOOLS_LIST = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}";
  static final Duration IDLE = Duration.ofMillis(300);

  RecordingMcpServer backend;

  @BeforeAll
  void startBackend() throws Exception {
    backend = RecordingMcpServer.start();
  }

  @AfterAll
  void stopBackend() throws Exception {
    backend.close();
  }

  static JsonNode json(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }

  /**
   * The backend's session id behind a gateway session: sends an echo with a unique text through
   * it and reads the Mcp-Session-Id the backend saw on that call.
   */
  String upstreamSessionOf(McpHttp mcp, String session) throws Exception {
    String marker = UUID.randomUUID().toString();
    HttpResponse<String> response = mcp.post("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
        + "\"arguments\":{\"text\":\"" + marker + "\"}}}").session(session).send();
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return backend.received().stream()
        .filter(r -> r.body() != null && marker.equals(r.body().getJsonObject("params", new JsonObject())
            .getJsonObject("arguments", new JsonObject()).getString("text")))
        .map(r -> r.headers().get("Mcp-Session-Id"))
        .findFirst().orElseThrow(() -> new AssertionError("the echo never reached the backend"));
  }

  boolean backendSawDeleteFor(String upstreamSession) {
    return backend.received().stream()
        .anyMatch(r -> r.method() == HttpMethod.DELETE && upstreamSession.equals(r.headers().get("Mcp-Session-Id")));
  }

  /**
   * Waits until the backend has received a DELETE for {@code upstreamSession}. The recording
   * backend offers no notification of what it receives, so this polls its record with a short
   * pause, bounded by a deadline.
   */
  void awaitDeleteAtBackend(String upstreamSession, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!backendSawDeleteFor(upstreamSession)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the backend saw no DELETE for " + upstreamSession + " within " + within
            + "; it saw " + backend.methods());
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class IdleExpiry {
    RunningGateway gateway;
    McpHttp mcp;

    @BeforeAll
    void start() throws Exception {
      gateway = RunningGateway.start("""
          server: {port: 0}
          mcp:
            sessions: {idleTimeout: %dms}
          backends:
            - name: recorder
              http: {url: %s}
          """.formatted(IDLE.toMillis(), backend.url()));
      mcp = new McpHttp(gateway.mcpUrl());
    }

    @AfterAll
    void stop() throws Exception {
      gateway.close();
    }

    @Test
    void anIdleSessionExpiresAndEndsAtTheBackendToo() throws Exception {
      String session = mcp.openSession();
      long lastUsed = System.nanoTime();
      String upstream = upstreamSessionOf(mcp, session);

      awaitDeleteAtBackend(upstream, Duration.ofSeconds(5));

      assertThat(Duration.ofNanos(System.nanoTime() - lastUsed)).as("time from the last use to expiry").isGreaterThanOrEqualTo(IDLE);
      HttpResponse<String> after = mcp.post(TOOLS_LIST).session(session).send();
      assertThat(after.statusCode()).as(after.body()).isEqualTo(404);
      assertThat(json(after).at("/error/code").asInt()).isEqualTo(JsonRpcErrorCodes.SESSION_NOT_FOUND);
    }

    @Test
    void aSessionWithAnOpenStreamDoesNotExpireWhileTheStreamIsOpen() throws Exception {
      String streaming = mcp.openSession();
      String streamingUpstream = upstreamSessionOf(mcp, streaming);
      HttpResponse<InputStream> stream = mcp.method("GET").session(streaming).header("Accept", "text/event-stream")
          .send(HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream body = stream.body()) {
        assertThat(stream.statusCode()).isEqualTo(200);

        // A control session used after the stream opened: once the gateway has expired it, the
        // streaming session has been idle longer still, and would have gone in the same sweep.
        String control = mcp.openSession();
        awaitDeleteAtBackend(upstreamSessionOf(mcp, control), Duration.ofSeconds(5));

        assertThat(backendSawDeleteFor(streamingUpstream)).as("the backend was told the streaming session ended").isFalse();
        HttpResponse<String> response = mcp.post(TOOLS_LIST).session(streaming).send();
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(json(response).at("/result/tools/0/name").asText()).isEqualTo("echo");
      }
    }

    @Test
    void aSessionCanExpireOnceItsStreamHasClosed() throws Exception {
      String session = mcp.openSession();
      String upstream = upstreamSessionOf(mcp, session);
      HttpResponse<InputStream> stream = mcp.method("GET").session(session).header("Accept", "text/event-stream")
          .send(HttpResponse.BodyHandlers.ofInputStream());
      assertThat(stream.statusCode()).isEqualTo(200);

      stream.body().close();

      awaitDeleteAtBackend(upstream, Duration.ofSeconds(5));
      assertThat(mcp.post(TOOLS_LIST).session(session).send().statusCode()).isEqualTo(404);
    }
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class Cap {
    RunningGateway gateway;
    McpHttp mcp;

    @BeforeAll
    void start() throws Exception {
      gateway = RunningGateway.start("""
          server: {port: 0}
          mcp:
            sessions: {max: 2}
          backends:
            - name: recorder
              http: {url: %s}
          """.formatted(backend.url()));
      mcp = new McpHttp(gateway.mcpUrl());
    }

    @AfterAll
    void stop() throws Exception {
      gateway.close();
    }

    @Test
    void initializeBeyondTheCapGets503WithRetryAfterUntilASessionEnds() throws Exception {
      String first = mcp.openSession();
      mcp.openSession();
      backend.reset();

      HttpResponse<String> refused = mcp.post(McpHttp.initializeBody("third")).send();

      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
      assertThat(refused.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(v).matches("\\d+"));
      assertThat(refused.headers().firstValue("Mcp-Session-Id")).isEmpty();
      assertThat(json(refused).get("id").asText()).isEqualTo("third");
      assertThat(json(refused).at("/error/code").asInt()).isEqualTo(JsonRpcErrorCodes.TOO_MANY_SESSIONS);
      assertThat(backend.methods()).as("what reached the backend for the refused initialize").isEmpty();

      assertThat(mcp.method("DELETE").session(first).send().statusCode()).isEqualTo(200);
      HttpResponse<String> admitted = mcp.post(McpHttp.initializeBody(4)).send();

      assertThat(admitted.statusCode()).as(admitted.body()).isEqualTo(200);
      assertThat(admitted.headers().firstValue("Mcp-Session-Id")).isPresent();
      assertThat(json(admitted).get("id").asInt()).isEqualTo(4);
    }
  }
}
