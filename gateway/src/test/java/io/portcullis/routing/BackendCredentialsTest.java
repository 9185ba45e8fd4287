package io.portcullis.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.Sha256;
import io.portcullis.mcp.JsonRpcErrorCodes;
import io.portcullis.testing.McpHttp;
import io.portcullis.testing.RecordingMcpServer;
import io.portcullis.testing.RecordingMcpServer.Received;
import io.portcullis.testing.RunningGateway;
import io.vertx.core.http.HttpMethod;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * An HTTP backend that the gateway calls with OAuth 2 client-credentials tokens, over real
 * sockets: a token endpoint that issues short-lived tokens and records what it was sent, and a
 * backend that answers 401 to any request whose bearer token that endpoint did not issue, has
 * expired, or was revoked. Each test gets its own endpoint, backend and gateway, so no token
 * outlives its test. The client authenticates to the gateway with its own static token and sends
 * a cookie, neither of which may travel upstream.
 */
class BackendCredentialsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String CLIENT_ID = "gw";
  static final String CLIENT_SECRET = "s3cret";
  static final String SCOPE = "mcp tools.read";
  static final String AUDIENCE = "https://api.example.com";
  static final String CLIENT_TOKEN = "client-own-token-7f3a9c0d5e";
  static final String CLIENT_COOKIE_VALUE = "client-cookie-5e1b77aa";
  static final String TOOLS_LIST = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}";

  TokenEndpoint tokens;
  /** For each request the backend received, how long its token had left to live when it arrived. */
  final List<Duration> tokenLifeLeftOnArrival = new CopyOnWriteArrayList<>();
  RecordingMcpServer backend;
  RunningGateway gateway;
  McpHttp mcp;

  /**
   * Starts an endpoint issuing tokens valid {@code lifetimeSeconds}, a backend that accepts only
   * those, and a gateway that refreshes them {@code refreshBefore} ahead of expiry.
   */
  void start(int lifetimeSeconds, String refreshBefore) throws Exception {
    tokens = TokenEndpoint.start(lifetimeSeconds);
    backend = RecordingMcpServer.start();
    backend.admitOnly(headers -> {
      Duration left = tokens.remaining(headers.get("Authorization"));
      if (left != null) {
        tokenLifeLeftOnArrival.add(left);
      }
      return tokens.accepts(headers.get("Authorization"));
    });
    gateway = RunningGateway.start("""
        server: {port: 0}
        auth:
          providers:
            - static:
                tokens:
                  - {sha256: "%s", subject: agent, roles: [admin]}
        backends:
          - name: api
            http:
              url: %s
              oauth: {tokenUrl: "%s", clientId: %s, clientSecret: %s, scope: "%s", audience: "%s", refreshBefore: %s}
        """.formatted(Sha256.hex(CLIENT_TOKEN), backend.url(), tokens.url(),
        CLIENT_ID, CLIENT_SECRET, SCOPE, AUDIENCE, refreshBefore));
    mcp = new McpHttp(gateway.mcpUrl());
  }

  @AfterEach
  void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (backend != null) {
      backend.close();
    }
    if (tokens != null) {
      tokens.close();
    }
  }

  /** A request as this client sends it: with its own bearer token for the gateway, and a cookie. */
  McpHttp.Request post(String body) {
    return withClientCredentials(mcp.post(body));
  }

  static McpHttp.Request withClientCredentials(McpHttp.Request request) {
    return request.header("Authorization", "Bearer " + CLIENT_TOKEN).header("Cookie", "sid=" + CLIENT_COOKIE_VALUE);
  }

  /** Initializes a session, sends notifications/initialized and lists the tools; returns the session id. */
  String openSession() throws Exception {
    HttpResponse<String> init = post(McpHttp.initializeBody(1)).send();
    assertThat(init.statusCode()).as(init.body()).isEqualTo(200);
    String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
    assertThat(post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}").session(session).send().statusCode())
        .isEqualTo(202);
    // The gateway lists a session's tools before its first call; doing it here keeps each test's
    // count of what reached the backend to its own calls.
    assertThat(post(TOOLS_LIST).session(session).send().statusCode()).isEqualTo(200);
    return session;
  }

  HttpResponse<String> echo(String session, int id, String text) throws Exception {
    return post("{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"%s\"}}}"
        .formatted(id, text)).session(session).send();
  }

  static String echoed(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body()).at("/result/content/0/text").asText();
  }

  List<Received> toolCalls() {
    return backend.received().stream().filter(r -> r.body() != null && "tools/call".equals(r.body().getString("method"))).toList();
  }

  static String bearer(Received request) {
    return request.headers().get("Authorization");
  }

  /** Asserts the client's error names neither the gateway's secret nor any token. */
  void assertNothingSecretIn(String text) {
    String basic = Base64.getEncoder().encodeToString((CLIENT_ID + ":" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
    assertThat(text).doesNotContain(CLIENT_SECRET, basic, "Basic", "Bearer", "issued-", "canary", "access_token", CLIENT_TOKEN);
    for (String token : tokens.issued()) {
      assertThat(text).doesNotContain(token);
    }
  }

  /** Waits until {@code condition} holds, at most {@code within}. */
  static void awaitUpTo(Duration within, String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as("not within %s: %s", within, what).isNegative();
      Thread.sleep(20);
    }
  }

  /** Sleeps until {@code nanos} (System.nanoTime) has passed. */
  static void sleepUntil(long nanos) throws InterruptedException {
    long left = nanos - System.nanoTime();
    if (left > 0) {
      TimeUnit.NANOSECONDS.sleep(left);
    }
  }

  @Nested
  class Refresh {
    @Test
    void callsSpanningSeveralTokenLifetimesAllSucceedOnTokensRefreshedBeforeTheyExpire() throws Exception {
      start(2, "1s");
      String session = openSession();
      long spanEnds = tokens.latestIssuedAtNanos() + TimeUnit.MILLISECONDS.toNanos(2 * 2_000 + 500);

      int calls = 0;
      while (System.nanoTime() - spanEnds < 0) {
        calls++;
        assertThat(echoed(echo(session, 100 + calls, "call-" + calls))).isEqualTo("call-" + calls);
        Thread.sleep(100);
      }

      assertThat(backend.refused()).as("requests that reached the backend with an expired or unknown token").isEmpty();
      assertThat(tokens.issued()).as("a span longer than two lifetimes needs at least three tokens").hasSizeGreaterThanOrEqualTo(3);
      assertThat(backend.received()).allSatisfy(r -> assertThat(bearer(r)).startsWith("Bearer issued-"));
      assertThat(backend.received().stream().map(BackendCredentialsTest::bearer).distinct().count())
          .as("distinct tokens the backend was shown").isGreaterThanOrEqualTo(3);
      assertThat(toolCalls()).hasSize(calls);
      // refreshBefore is 1 s of a 2 s life: a token is not used in its last second, give or take the trip to the backend.
      assertThat(tokenLifeLeftOnArrival).hasSize(backend.received().size())
          .allSatisfy(left -> assertThat(left).isGreaterThan(Duration.ofMillis(500)));
    }

    @Test
    void oneTokenServesEveryRequestWhileItIsValid() throws Exception {
      start(3600, "1s");
      String session = openSession();
      for (int i = 0; i < 5; i++) {
        assertThat(echoed(echo(session, 10 + i, "again"))).isEqualTo("again");
      }

      assertThat(tokens.issued()).hasSize(1);
      assertThat(backend.received()).allSatisfy(r -> assertThat(bearer(r)).isEqualTo("Bearer " + tokens.latest()));
    }

    @Test
    void aRefreshMarginLongerThanTheTokensLifetimeIsCappedAtHalfOfIt() throws Exception {
      // Uncapped, a margin of 5m on a 60 s token would make every request fetch a new one.
      start(60, "5m");
      String session = openSession();
      for (int i = 0; i < 5; i++) {
        assertThat(echoed(echo(session, 10 + i, "again"))).isEqualTo("again");
      }

      assertThat(tokens.issued()).hasSize(1);
      assertThat(backend.refused()).isEmpty();
    }

    @Test
    void requestsWaitingForATokenShareOneFetch() throws Exception {
      start(3600, "1s");
      tokens.hold();
      int clients = 5;
      ExecutorService threads = Executors.newFixedThreadPool(clients);
      List<Future<HttpResponse<String>>> inits = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        inits.add(threads.submit(() -> post(McpHttp.initializeBody(1)).send()));
      }
      threads.shutdown();
      awaitUpTo(Duration.ofSeconds(5), "the gateway asks for a token", () -> !tokens.requests().isEmpty());
      // Give the other initializes time to reach the gateway (and, were fetches not shared, the endpoint).
      Thread.sleep(500);
      tokens.release();

      for (var init : inits) {
        assertThat(init.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      }
      assertThat(tokens.requests()).hasSize(1);
      assertThat(backend.methods()).containsOnly("initialize").hasSize(clients);
      assertThat(backend.received()).allSatisfy(r -> assertThat(bearer(r)).isEqualTo("Bearer " + tokens.latest()));
    }
  }

  @Nested
  class TokenRequest {
    @Test
    void theTokenEndpointGetsTheClientCredentialsGrantWithBasicClientAuthScopeAndAudience() throws Exception {
      start(3600, "1s");
      openSession();

      assertThat(tokens.requests()).singleElement().satisfies(request -> {
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/token");
        assertThat(request.authorization()).isEqualTo("Basic " + Base64.getEncoder()
            .encodeToString((CLIENT_ID + ":" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8)));
        assertThat(request.contentType()).startsWith("application/x-www-form-urlencoded");
        assertThat(request.form()).isEqualTo(Map.of("grant_type", "client_credentials", "scope", SCOPE, "audience", AUDIENCE));
      });
      assertThat(backend.received()).isNotEmpty()
          .allSatisfy(r -> assertThat(bearer(r)).isEqualTo("Bearer " + tokens.latest()));
    }
  }

  @Nested
  class Rejection {
    @Test
    void aTokenTheBackendRevokedIsReplacedAndTheRequestSentOnceMore() throws Exception {
      start(3600, "1s");
      String session = openSession();
      String revoked = tokens.latest();
      tokens.revoke(revoked);
      backend.reset();

      assertThat(echoed(echo(session, 7, "after revocation"))).isEqualTo("after revocation");

      assertThat(tokens.issued()).hasSize(2);
      String fresh = tokens.latest();
      assertThat(backend.refused()).singleElement().satisfies(r -> {
        assertThat(bearer(r)).isEqualTo("Bearer " + revoked);
        assertThat(r.body().getString("method")).isEqualTo("tools/call");
      });
      List<Received> calls = toolCalls();
      assertThat(calls).hasSize(2);
      assertThat(bearer(calls.get(1))).isEqualTo("Bearer " + fresh);
      assertThat(calls.get(1).body()).as("the same request, sent once more").isEqualTo(calls.get(0).body());
      assertThat(backend.received()).hasSize(2);
    }

    @Test
    void aBackendThatRefusesEveryTokenIsAskedTwiceAndTheClientGetsAnError() throws Exception {
      start(3600, "1s");
      String session = openSession();
      backend.admitOnly(headers -> false);
      backend.reset();

      HttpResponse<String> response = echo(session, 8, "refused");

      JsonNode body = JSON.readTree(response.body());
      assertThat(body.path("error").path("code").asInt()).as(response.body()).isEqualTo(JsonRpcErrorCodes.BACKEND_UNAVAILABLE);
      assertThat(body.path("id").asInt()).isEqualTo(8);
      assertNothingSecretIn(response.body());
      assertThat(toolCalls()).as("the request and its one retry").hasSize(2);
      assertThat(backend.received()).hasSize(2);
      assertThat(tokens.issued()).hasSize(2);
      assertThat(bearer(toolCalls().get(1))).isEqualTo("Bearer " + tokens.latest());
    }
  }

  @Nested
  class ClientCredentialsStayAtTheGateway {
    @Test
    void theBackendNeverSeesTheClientsTokenOrCookie() throws Exception {
      start(3600, "1s");
      String session = openSession();
      assertThat(echoed(echo(session, 3, "hello"))).isEqualTo("hello");
      HttpResponse<InputStream> stream = withClientCredentials(mcp.method("GET")).session(session)
          .header("Accept", "text/event-stream").send(HttpResponse.BodyHandlers.ofInputStream());
      assertThat(stream.statusCode()).isEqualTo(200);
      stream.body().close();
      assertThat(withClientCredentials(mcp.method("DELETE")).session(session).send().statusCode()).isLessThan(300);
      awaitUpTo(Duration.ofSeconds(5), "the backend session is deleted",
          () -> backend.received().stream().anyMatch(r -> r.method() == HttpMethod.DELETE));

      assertThat(backend.received().stream().map(Received::method).distinct())
          .contains(HttpMethod.POST, HttpMethod.GET, HttpMethod.DELETE);
      assertThat(backend.received()).allSatisfy(r -> {
        assertThat(r.headers().contains("Cookie")).as("a Cookie header upstream").isFalse();
        assertThat(r.headers().getAll("Authorization")).containsExactly("Bearer " + tokens.latest());
        r.headers().forEach(h -> assertThat(h.getValue()).as(h.getKey()).doesNotContain(CLIENT_TOKEN, CLIENT_COOKIE_VALUE));
      });
      assertThat(backend.refused()).isEmpty();
    }
  }

  @Nested
  class NoToken {
    @Test
    void aTokenEndpointAnsweringAnErrorFailsTheCallWithoutSendingItOrLeakingSecrets() throws Exception {
      start(1, "1s");
      String session = openSession();
      tokens.failWith(500);
      // The 1 s token is refreshed half-way through its life: after that the gateway needs a new one.
      sleepUntil(tokens.latestIssuedAtNanos() + TimeUnit.MILLISECONDS.toNanos(600));
      backend.reset();
      int asked = tokens.requests().size();

      HttpResponse<String> response = echo(session, 5, "no token");

      JsonNode body = JSON.readTree(response.body());
      assertThat(body.path("error").path("code").asInt()).as(response.body()).isEqualTo(JsonRpcErrorCodes.BACKEND_UNAVAILABLE);
      assertThat(body.path("id").asInt()).isEqualTo(5);
      assertNothingSecretIn(response.body());
      assertThat(tokens.requests().size()).as("the gateway asked for a token").isGreaterThan(asked);
      assertThat(backend.received()).as("what reached the backend without a token").isEmpty();
    }

    @Test
    void aTokenEndpointThatIsDownWhenTheBackendRevokesTheTokenFailsTheCall() throws Exception {
      start(3600, "1s");
      String session = openSession();
      tokens.stop();
      tokens.revoke(tokens.latest());
      backend.reset();

      HttpResponse<String> response = echo(session, 6, "no token");

      JsonNode body = JSON.readTree(response.body());
      assertThat(body.path("error").path("code").asInt()).as(response.body()).isEqualTo(JsonRpcErrorCodes.BACKEND_UNAVAILABLE);
      assertNothingSecretIn(response.body());
      assertThat(backend.received()).as("only the refused request, which carried the revoked token").singleElement()
          .satisfies(r -> assertThat(bearer(r)).isEqualTo("Bearer " + tokens.latest()));
    }

    @Test
    void aTokenEndpointThatIsDownFromTheStartFailsInitializeAndNothingReachesTheBackend() throws Exception {
      start(3600, "1s");
      tokens.stop();

      HttpResponse<String> response = post(McpHttp.initializeBody(1)).send();

      JsonNode body = JSON.readTree(response.body());
      assertThat(body.path("error").path("code").asInt()).as(response.body()).isEqualTo(JsonRpcErrorCodes.BACKEND_UNAVAILABLE);
      assertNothingSecretIn(response.body());
      assertThat(backend.received()).isEmpty();
    }
  }
}
