package io.portcullis.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.Sha256;
import io.portcullis.testing.McpHttp;
import io.portcullis.testing.RecordingMcpServer;
import io.portcullis.testing.RunningGateway;
import io.vertx.core.http.HttpMethod;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The audit log of a real gateway (real sockets, the repository's policy, static tokens, a
 * recording MCP backend), read back from disk: one record per HTTP request with who, what, how it
 * was decided and how it ended; redaction that keeps secrets out of the files and the logs; the
 * refusal of tools while the log cannot be written and its lifting; the request counters in
 * /metrics; and the W3C trace id carried to the backend and into the record.
 */
class AuditThroughGatewayTest {
  static final String VIEWER = "viewer-token-0123456789abcdef";
  static final String ADMIN = "admin-token-0123456789abcdef";
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir
  Path temp;

  Path audit;
  RecordingMcpServer backend;
  RunningGateway gateway;
  McpHttp mcp;

  /** Starts a backend and a gateway whose audit block is {@code directory, fsync: always} plus {@code extra}. */
  void start(String extra) throws Exception {
    audit = temp.resolve("audit");
    backend = RecordingMcpServer.start();
    gateway = RunningGateway.start("""
        server: {port: 0}
        auth:
          providers:
            - static:
                tokens:
                  - {sha256: "%s", subject: vera, roles: [viewer]}
                  - {sha256: "%s", subject: ada, roles: [admin]}
        audit: {directory: "%s", fsync: always%s}
        backends:
          - name: recorder
            http: {url: "%s"}
        """.formatted(sha256(VIEWER), sha256(ADMIN), audit, extra.isEmpty() ? "" : ", " + extra, backend.url()));
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
  }

  static String sha256(String token) {
    return Sha256.hex(token);
  }

  static String toolCall(int id, String tool, String arguments) {
    return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
        + "\",\"arguments\":" + arguments + "}}";
  }

  static JsonNode json(HttpResponse<String> response) throws Exception {
    return AuditLog.JSON.readTree(response.body());
  }

  McpHttp.Request as(String token, McpHttp.Request request) {
    return request.header("Authorization", "Bearer " + token);
  }

  /** initialize and notifications/initialized as {@code token}: two requests, two records. */
  String openSession(String token) throws Exception {
    HttpResponse<String> init = as(token, mcp.post(McpHttp.initializeBody(1))).send();
    assertThat(init.statusCode()).as(init.body()).isEqualTo(200);
    String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
    HttpResponse<String> initialized = as(token, mcp.post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"))
        .session(session).send();
    assertThat(initialized.statusCode()).isEqualTo(202);
    return session;
  }

  HttpResponse<String> call(String token, String session, int id, String tool, String arguments) throws Exception {
    return as(token, mcp.post(toolCall(id, tool, arguments))).session(session).send();
  }

  HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The tools/call requests the backend received, by tool name and arguments. */
  List<JsonNode> callsAtBackend() throws Exception {
    List<JsonNode> calls = new ArrayList<>();
    for (RecordingMcpServer.Received r : backend.received()) {
      if (r.body() != null && "tools/call".equals(r.body().getString("method"))) {
        calls.add(AuditLog.JSON.readTree(r.body().encode()));
      }
    }
    return calls;
  }

  @Test
  void everyHttpRequestHasExactlyOneRecordSayingWhoDidWhatHowItWasDecidedAndHowItEnded() throws Exception {
    start("");

    // 1, 2: initialize and notifications/initialized
    String session = openSession(VIEWER);
    // 3: the list, filtered for a viewer
    HttpResponse<String> list = as(VIEWER, mcp.post("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}")).session(session).send();
    assertThat(json(list).at("/result/tools").findValuesAsText("name")).containsExactly("lookup");
    // 4: a read tool, allowed
    HttpResponse<String> allowed = call(VIEWER, session, 3, "lookup", "{\"text\":\"found it\"}");
    assertThat(json(allowed).at("/result/content/0/text").asText()).isEqualTo("found it");
    // 5: a write tool, denied (and hidden from a viewer, so answered like an unknown tool)
    HttpResponse<String> denied = call(VIEWER, session, 4, "annotate", "{\"text\":\"scribble\"}");
    assertThat(json(denied).at("/error/code").asInt()).as(denied.body()).isEqualTo(-32602);
    // 6: no credentials
    HttpResponse<String> anonymous = mcp.post("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/list\"}").session(session).send();
    assertThat(anonymous.statusCode()).isEqualTo(401);
    // 7: a foreign Origin, with a valid token
    HttpResponse<String> foreign = as(VIEWER, mcp.post("{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/list\"}"))
        .session(session).header("Origin", "http://evil.example.com").send();
    assertThat(foreign.statusCode()).isEqualTo(403);
    // 8: the server-to-client stream, opened and left
    HttpResponse<InputStream> stream = as(VIEWER, mcp.method("GET")).session(session).header("Accept", "text/event-stream")
        .send(HttpResponse.BodyHandlers.ofInputStream());
    assertThat(stream.statusCode()).isEqualTo(200);
    stream.body().close();
    // 9: the session ended
    assertThat(as(VIEWER, mcp.method("DELETE")).session(session).send().statusCode()).isEqualTo(200);

    assertThat(callsAtBackend()).extracting(c -> c.at("/params/name").asText()).containsExactly("lookup");
    List<JsonNode> records = AuditLog.records(audit);
    assertThat(records).extracting(r -> r.get("method").asText()).containsExactly(
        "initialize", "notifications/initialized", "tools/list", "tools/call", "tools/call", "POST", "POST", "GET", "DELETE");
    assertThat(records).extracting(r -> r.get("eventId").asText()).doesNotHaveDuplicates();
    assertThat(records).extracting(r -> r.path("principal").path("subject").asText(null))
        .containsExactly("vera", "vera", "vera", "vera", "vera", null, null, "vera", "vera");
    assertThat(records).extracting(r -> r.path("decision").path("outcome").asText(null))
        .containsExactly("allow", null, "allow", "allow", "deny", "deny", "deny", null, null);
    assertThat(records).extracting(r -> r.path("outcome").path("code").asText("-"))
        .containsExactly("-", "202", "-", "-", "-32602", "401", "-32006", "200", "200");
    // The kind of the policy denial (record 5) is the subject of its own test below.
    assertThat(records).extracting(r -> r.path("outcome").path("kind").asText())
        .containsExactly("result", "result", "result", "result", records.get(4).at("/outcome/kind").asText(), "refused", "refused",
            "result", "result");

    JsonNode initialize = records.get(0);
    assertThat(initialize.get("clientName").asText()).isEqualTo("test");
    assertThat(initialize.at("/principal/provider").asText()).isEqualTo("static");
    assertThat(initialize.at("/principal/roles").get(0).asText()).isEqualTo("viewer");
    assertThat(initialize.get("decisionId").isTextual()).as("initialize is decided by policy").isTrue();
    assertThat(initialize.get("policyRevision").isTextual()).isTrue();
    assertThat(initialize.get("source").asText()).isEqualTo("127.0.0.1");

    JsonNode listed = records.get(2);
    assertThat(listed.at("/decision/reasons/0").asText()).isEqualTo("1 of 9 items allowed");
    assertThat(listed.get("policyRevision").isTextual()).isTrue();

    JsonNode allowedRecord = records.get(3);
    assertThat(allowedRecord.get("target")).isEqualTo(AuditLog.JSON.readTree(
        "{\"kind\":\"tool\",\"name\":\"lookup\",\"backend\":\"recorder\",\"upstreamName\":\"lookup\",\"accessClass\":\"read\"}"));
    assertThat(allowedRecord.get("decisionId").asText()).isNotBlank();
    assertThat(allowedRecord.get("policyRevision").asText()).isNotBlank();
    assertThat(allowedRecord.get("arguments")).isEqualTo(AuditLog.JSON.readTree("{\"text\":\"found it\"}"));
    assertThat(allowedRecord.at("/latencyMicros").fieldNames()).toIterable()
        .contains("authenticate", "authorize", "forward", "total");

    JsonNode deniedRecord = records.get(4);
    assertThat(deniedRecord.get("target")).isEqualTo(AuditLog.JSON.readTree(
        "{\"kind\":\"tool\",\"name\":\"annotate\",\"backend\":\"recorder\",\"upstreamName\":\"annotate\",\"accessClass\":\"write\"}"));
    assertThat(deniedRecord.get("decisionId").asText()).isNotBlank().isNotEqualTo(allowedRecord.get("decisionId").asText());
    assertThat(deniedRecord.get("policyRevision").asText()).isEqualTo(allowedRecord.get("policyRevision").asText());
    assertThat(deniedRecord.at("/decision/reasons/0").asText()).contains("viewer").contains("write");

    for (JsonNode refused : List.of(records.get(5), records.get(6))) {
      assertThat(refused.get("principal").isNull()).as("refused before authentication: %s", refused).isTrue();
      assertThat(refused.get("decisionId").isNull()).isTrue();
      assertThat(refused.get("target").isNull()).isTrue();
    }
    // The session is in every record that had one, as its digest; the id itself is never written.
    String digest = AuditEvent.sessionDigest(session);
    assertThat(records).extracting(r -> r.get("method").asText() + " " + (r.hasNonNull("session") ? r.get("session").asText() : null))
        .containsExactly("initialize " + digest, "notifications/initialized " + digest, "tools/list " + digest,
            "tools/call " + digest, "tools/call " + digest, "POST null", "POST null", "GET " + digest, "DELETE " + digest);
    assertThat(AuditLog.text(audit)).doesNotContain(session);

    AuditVerifier.Result verified = AuditLog.verify(audit);
    assertThat(verified.firstBreak()).isEmpty();
    assertThat(verified.records()).isEqualTo(9);
    assertThat(verified.startsAt()).isEqualTo(HashChain.GENESIS);
  }

  /**
   * A client that goes away mid-call cancels nothing (the spec: a disconnection is no
   * cancellation): the backend's answer stream is read to its end, not cut, and the call is
   * recorded with its result, not as a failure at the moment the client left.
   */
  @Test
  void aCallWhoseClientWentAwayRunsToItsEndAtTheBackendAndIsRecordedWithItsResult() throws Exception {
    start("");
    String session = openSession(ADMIN);

    String first = as(ADMIN, mcp.post("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"countdown\","
        + "\"arguments\":{\"steps\":1,\"delayMs\":800},\"_meta\":{\"progressToken\":\"p\"}}}")).session(session).leaveAfterFirstEvent();
    assertThat(first).contains("notifications/progress");

    assertTheCallRanToItsEndAndWasRecordedWithItsResult();
  }

  private void assertTheCallRanToItsEndAndWasRecordedWithItsResult() throws InterruptedException {
    JsonNode record = AuditLog.awaitRecord(audit, "tools/call", Duration.ofSeconds(10));
    assertThat(record.at("/outcome/kind").asText()).as("the call's record: %s", record).isEqualTo("result");
    assertThat(backend.countdownsCut()).as("answers the gateway cut off at the backend").isZero();
  }

  /** The same for a call in a batch (2025-03-26), whose answers share one stream. */
  @Test
  void aBatchedCallWhoseClientWentAwayRunsToItsEndAtTheBackendAndIsRecordedWithItsResult() throws Exception {
    start("");
    HttpResponse<String> init = as(ADMIN, mcp.post(McpHttp.initializeBody(1, "2025-03-26"))).header("MCP-Protocol-Version", null).send();
    String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();

    String first = as(ADMIN, mcp.post("[{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"countdown\","
        + "\"arguments\":{\"steps\":1,\"delayMs\":800},\"_meta\":{\"progressToken\":\"p\"}}}]")).session(session)
        .header("MCP-Protocol-Version", null).leaveAfterFirstEvent();
    assertThat(first).contains("notifications/progress");

    assertTheCallRanToItsEndAndWasRecordedWithItsResult();
  }

  /**
   * A policy denial is the gateway refusing the request, exactly like a refusal at transport or
   * authentication or while the log is unwritable: the record must say {@code refused}, not
   * {@code jsonrpc_error}, which is what a backend's own JSON-RPC error is recorded as. Otherwise a
   * search of the log for refusals misses every policy denial.
   */
  @Test
  void aToolCallDeniedByPolicyIsRecordedAsARefusalLikeTheGatewaysOtherRefusals() throws Exception {
    start("");
    String session = openSession(VIEWER);

    HttpResponse<String> denied = call(VIEWER, session, 2, "annotate", "{\"text\":\"scribble\"}");

    assertThat(json(denied).at("/error/code").asInt()).as(denied.body()).isEqualTo(-32602);
    assertThat(callsAtBackend()).isEmpty();
    JsonNode record = AuditLog.records(audit).get(2);
    assertThat(record.at("/target/name").asText()).isEqualTo("annotate");
    assertThat(record.at("/decision/outcome").asText()).isEqualTo("deny");
    assertThat(record.get("outcome")).as("the denied call's outcome").isEqualTo(AuditLog.JSON.readTree("{\"kind\":\"refused\",\"code\":-32602}"));
  }

  @Test
  void secretsAtTheRedactedPathsReachTheBackendButNeitherTheAuditFilesNorTheLogs() throws Exception {
    start("redact: [\"$..secret\", \"$.password\"], accessLog: true");
    String[] secrets = new String[12];
    for (int i = 0; i < secrets.length; i++) {
      secrets[i] = "s3cr3t-" + i + "-" + UUID.randomUUID();
    }
    String template = """
        {"text":"visible","secret":"%s","password":"%s",
         "profile":{"secret":"%s","password":"nested-password-is-not-at-$.password",
                    "keys":[{"secret":"%s"},{"name":"k2","secret":{"inner":"%s"}}]},
         "matrix":[[{"deep":{"secret":"%s"}}]]}""";
    String allowedArguments = template.formatted((Object[]) java.util.Arrays.copyOfRange(secrets, 0, 6));
    String deniedArguments = template.formatted((Object[]) java.util.Arrays.copyOfRange(secrets, 6, 12));
    JsonNode expected = AuditLog.JSON.readTree("""
        {"text":"visible","secret":"[redacted]","password":"[redacted]",
         "profile":{"secret":"[redacted]","password":"nested-password-is-not-at-$.password",
                    "keys":[{"secret":"[redacted]"},{"name":"k2","secret":"[redacted]"}]},
         "matrix":[[{"deep":{"secret":"[redacted]"}}]]}""");

    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    Level level = root.getLevel();
    root.addAppender(logs);
    root.setLevel(Level.ALL);
    try {
      String session = openSession(VIEWER);
      HttpResponse<String> allowed = call(VIEWER, session, 2, "lookup", allowedArguments);
      assertThat(json(allowed).at("/result/content/0/text").asText()).as(allowed.body()).isEqualTo("visible");
      HttpResponse<String> denied = call(VIEWER, session, 3, "annotate", deniedArguments);
      assertThat(json(denied).at("/error/code").asInt()).as(denied.body()).isEqualTo(-32602);
    } finally {
      root.setLevel(level);
      root.detachAppender(logs);
      logs.stop();
    }

    // The backend got the arguments whole: redaction is for the record only.
    String atBackend = String.join("\n", backend.rawBodies());
    for (int i = 0; i < 6; i++) {
      assertThat(atBackend).contains(secrets[i]);
    }
    assertThat(callsAtBackend()).singleElement().satisfies(c -> assertThat(c.at("/params/arguments"))
        .isEqualTo(AuditLog.JSON.readTree(allowedArguments)));

    List<JsonNode> calls = AuditLog.records(audit).stream().filter(r -> r.get("method").asText().equals("tools/call")).toList();
    assertThat(calls).extracting(r -> r.at("/target/name").asText()).containsExactly("lookup", "annotate");
    assertThat(calls).allSatisfy(r -> assertThat(r.get("arguments")).isEqualTo(expected));
    String files = AuditLog.text(audit);
    List<String> logged;
    synchronized (logs) {
      logged = logs.list.stream().map(AuditThroughGatewayTest::everythingIn).toList();
    }
    assertThat(logged).as("the test saw the gateway's logs (the access log, at least)")
        .anyMatch(line -> line.contains("tools/call") && line.contains("vera"));
    for (String secret : secrets) {
      assertThat(files).as("audit files").doesNotContain(secret);
      assertThat(logged).as("logs").noneMatch(line -> line.contains(secret));
    }
    assertThat(AuditLog.verify(audit).firstBreak()).isEmpty();
  }

  /** A log event's message, arguments, MDC and exception chain, as one string. */
  static String everythingIn(ILoggingEvent event) {
    StringBuilder text = new StringBuilder(event.getLoggerName()).append(' ').append(event.getFormattedMessage());
    if (event.getArgumentArray() != null) {
      for (Object argument : event.getArgumentArray()) {
        text.append(' ').append(argument);
      }
    }
    text.append(' ').append(event.getMDCPropertyMap());
    for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
      text.append(' ').append(t.getClassName()).append(": ").append(t.getMessage());
    }
    return text.toString();
  }

  @Test
  void whileTheLogCannotBeWrittenToolsAreRefusedBeforeTheBackendAndTheFirstRecordWrittenAgainLiftsIt() throws Exception {
    // A rotateSize this small starts a new file for every record, so each write must create a file in the directory.
    start("rotateSize: 1KiB, retainFiles: 1000");
    String session = openSession(VIEWER);
    assertThat(json(call(VIEWER, session, 2, "lookup", "{\"text\":\"before\"}")).at("/result/content/0/text").asText())
        .isEqualTo("before");
    assertThat(AuditLog.files(audit)).as("one file per record").hasSize(3);
    assertThat(AuditLog.records(audit)).hasSize(3);

    Path aside = temp.resolve("audit-aside");
    Files.move(audit, aside);
    Files.writeString(audit, "a regular file where the audit directory was\n");
    backend.reset();

    // The gateway learns that the log is unwritable when a record fails: that answer is replaced by -32030
    // (this call did reach the backend; its result is withheld from the client because it has no record).
    HttpResponse<String> first = call(VIEWER, session, 3, "lookup", "{\"text\":\"during-outage-1\"}");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(json(first).at("/error/code").asInt()).as(first.body()).isEqualTo(-32030);
    assertThat(json(first).get("id").asInt()).isEqualTo(3);
    assertThat(first.body()).doesNotContain("during-outage-1");

    // From then on, a tool is refused before anything reaches the backend.
    backend.reset();
    HttpResponse<String> second = call(VIEWER, session, 4, "lookup", "{\"text\":\"during-outage-2\"}");
    assertThat(json(second).at("/error/code").asInt()).as(second.body()).isEqualTo(-32030);
    assertThat(json(second).get("id").asInt()).isEqualTo(4);
    assertThat(backend.received()).as("what reached the backend while the log was unwritable").isEmpty();

    HttpResponse<String> notReady = get("/readyz");
    assertThat(notReady.statusCode()).isEqualTo(503);
    JsonNode notReadyBody = json(notReady);
    assertThat(notReadyBody.get("status").asText()).isEqualTo("not ready");
    assertThat(notReadyBody.at("/audit/writable").asBoolean(true)).isFalse();
    assertThat(notReadyBody.at("/audit/required").asBoolean()).isTrue();
    assertThat(prometheus(get("/metrics").body()).get("portcullis_audit_failures_total")).isEqualTo(2.0);

    Files.delete(audit);
    Files.move(aside, audit);
    // A request that is not a tool: answered by the gateway, its record written, which lifts the refusal.
    HttpResponse<String> ping = as(VIEWER, mcp.post("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\"}")).session(session).send();
    assertThat(json(ping).get("result")).as(ping.body()).isNotNull();
    HttpResponse<String> ready = get("/readyz");
    assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
    assertThat(json(ready).at("/audit/writable").asBoolean()).isTrue();

    HttpResponse<String> after = call(VIEWER, session, 6, "lookup", "{\"text\":\"after\"}");
    assertThat(json(after).at("/result/content/0/text").asText()).as(after.body()).isEqualTo("after");
    assertThat(callsAtBackend()).extracting(c -> c.at("/params/arguments/text").asText()).containsExactly("after");

    List<JsonNode> records = AuditLog.records(audit);
    assertThat(records).extracting(r -> r.get("method").asText())
        .containsExactly("initialize", "notifications/initialized", "tools/call", "ping", "tools/call");
    assertThat(records).extracting(r -> r.at("/arguments/text").asText(null))
        .containsExactly(null, null, "before", null, "after");
    AuditVerifier.Result verified = AuditLog.verify(audit);
    assertThat(verified.firstBreak()).isEmpty();
    assertThat(verified.records()).isEqualTo(5);
  }

  @Test
  void metricsCountEveryAnsweredRequestByMethodBackendDecisionAndOutcome() throws Exception {
    start("");
    String session = openSession(VIEWER);
    as(VIEWER, mcp.post("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}")).session(session).send();
    for (int i = 0; i < 3; i++) {
      assertThat(json(call(VIEWER, session, 10 + i, "lookup", "{\"text\":\"x\"}")).has("result")).isTrue();
    }
    for (int i = 0; i < 2; i++) {
      assertThat(json(call(VIEWER, session, 20 + i, "annotate", "{\"text\":\"x\"}")).has("error")).isTrue();
    }
    assertThat(mcp.post(toolCall(30, "lookup", "{}")).session(session).send().statusCode()).isEqualTo(401);

    List<JsonNode> records = AuditLog.records(audit);
    assertThat(records).hasSize(9);
    // The metric's outcome label is the record's outcome kind (for a policy denial, see the test above).
    String deniedOutcome = records.get(6).at("/outcome/kind").asText();
    assertThat(records.get(6).at("/target/name").asText()).isEqualTo("annotate");

    String scraped = get("/metrics").body();
    Map<String, Double> requests = new LinkedHashMap<>();
    prometheus(scraped).forEach((series, value) -> {
      if (series.startsWith("portcullis_requests_total{")) {
        requests.put(series, value);
      }
    });
    assertThat(requests).as(scraped).containsOnly(
        Map.entry(requestSeries("initialize", "-", "allow", "result"), 1.0),
        Map.entry(requestSeries("notifications/initialized", "-", "none", "result"), 1.0),
        Map.entry(requestSeries("tools/list", "-", "allow", "result"), 1.0),
        Map.entry(requestSeries("tools/call", "recorder", "allow", "result"), 3.0),
        Map.entry(requestSeries("tools/call", "recorder", "deny", deniedOutcome), 2.0),
        Map.entry(requestSeries("POST", "-", "deny", "refused"), 1.0));
    Map<String, Double> all = prometheus(scraped);
    assertThat(all.get("portcullis_stage_duration_seconds_count{stage=\"total\"}")).as("one total per record").isEqualTo(9.0);
    assertThat(all.get("portcullis_stage_duration_seconds_count{stage=\"authorize\"}")).as("every record but the 401's")
        .isEqualTo(8.0);
    assertThat(all.get("portcullis_audit_write_seconds_count")).as("records written").isEqualTo(9.0);
    assertThat(all.getOrDefault("portcullis_audit_failures_total", 0.0)).isZero();
  }

  @Test
  void durationHistogramsResolveMicrosecondsNotOnlyWholeMilliseconds() throws Exception {
    start("");
    String session = openSession(VIEWER);
    assertThat(json(call(VIEWER, session, 10, "lookup", "{\"text\":\"x\"}")).has("result")).isTrue();

    Map<String, Double> all = prometheus(get("/metrics").body());
    // Routing a message is a map lookup: microseconds, so its histogram must have buckets for them.
    Map<Double, Double> route = buckets(all, "portcullis_stage_duration_seconds_bucket{stage=\"route\"");
    assertThat(route.keySet()).as("bucket bounds").contains(0.000005, 0.0001, 0.001, 300.0);
    assertThat(route.get(0.001)).as("route stages within 1 ms").isPositive();
    Map<Double, Double> audit = buckets(all, "portcullis_audit_write_seconds_bucket{");
    assertThat(audit.keySet()).contains(0.000005, 0.0001, 0.001, 300.0);
    assertThat(audit.get(Double.POSITIVE_INFINITY)).isEqualTo(all.get("portcullis_audit_write_seconds_count"));
    assertThat(buckets(all, "portcullis_policy_evaluation_seconds_bucket{").keySet()).contains(0.000005, 0.0001);
  }

  /** A histogram's cumulative counts by upper bound ({@code le}), from the series whose name starts with {@code prefix}. */
  private static Map<Double, Double> buckets(Map<String, Double> samples, String prefix) {
    Map<Double, Double> byBound = new java.util.TreeMap<>();
    Pattern le = Pattern.compile("le=\"([^\"]+)\"");
    samples.forEach((series, count) -> {
      Matcher m = le.matcher(series);
      if (series.startsWith(prefix) && m.find()) {
        byBound.merge(m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1)), count, Double::sum);
      }
    });
    return byBound;
  }

  @Test
  void theAccessLogHasOneLinePerRequestWrittenByTheAuditWriterAfterItsRecord() throws Exception {
    start("accessLog: true");
    Logger access = (Logger) LoggerFactory.getLogger("portcullis.access");
    // Written after the answer was released: the test waits for the four lines (initialize,
    // initialized, the call, the 401) as they are appended.
    java.util.concurrent.CountDownLatch fourLines = new java.util.concurrent.CountDownLatch(4);
    ListAppender<ILoggingEvent> lines = new ListAppender<>() {
      @Override
      protected void append(ILoggingEvent event) {
        // Logback names an event's thread when first asked: ask now, on the thread that logs it,
        // not later on the test's thread.
        event.prepareForDeferredProcessing();
        super.append(event);
        fourLines.countDown();
      }
    };
    lines.start();
    access.addAppender(lines);
    List<ILoggingEvent> logged;
    try {
      String session = openSession(VIEWER);
      assertThat(json(call(VIEWER, session, 2, "lookup", "{\"text\":\"x\"}")).has("result")).isTrue();
      assertThat(mcp.post(toolCall(3, "lookup", "{}")).session(session).send().statusCode()).isEqualTo(401);
      assertThat(fourLines.await(10, TimeUnit.SECONDS)).as("four access lines").isTrue();
      synchronized (lines) {
        logged = List.copyOf(lines.list);
      }
    } finally {
      access.detachAppender(lines);
      lines.stop();
    }

    List<JsonNode> records = AuditLog.records(audit);
    assertThat(records).hasSize(4);
    assertThat(logged).hasSize(4);
    assertThat(logged).extracting(ILoggingEvent::getThreadName).containsOnly("portcullis-audit-writer");
    JsonNode call = records.get(2);
    assertThat(logged.get(2).getFormattedMessage())
        .startsWith("tools/call vera recorder allow result trace=" + call.get("traceId").asText() + " ")
        .endsWith(call.at("/latencyMicros/total").asLong() + "us");
    assertThat(logged.get(3).getFormattedMessage()).startsWith("POST - - deny refused 401 trace=");
  }

  @Test
  void withoutAccessLogTrueNoAccessLineIsWrittenButEveryRecordIs() throws Exception {
    start("");
    Logger access = (Logger) LoggerFactory.getLogger("portcullis.access");
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    access.addAppender(lines);
    try {
      String session = openSession(VIEWER);
      assertThat(json(call(VIEWER, session, 2, "lookup", "{\"text\":\"x\"}")).has("result")).isTrue();
      // The writer logs a batch's access lines before it takes the next batch: once this later
      // call is answered, the lines of the requests before it would be there.
      assertThat(json(call(VIEWER, session, 3, "lookup", "{\"text\":\"y\"}")).has("result")).isTrue();
    } finally {
      access.detachAppender(lines);
      lines.stop();
    }
    assertThat(AuditLog.records(audit)).hasSize(4);
    synchronized (lines) {
      assertThat(lines.list).as("access lines").isEmpty();
    }
  }

  /** The series name with its labels in the order the registry writes them (alphabetical). */
  static String requestSeries(String method, String backend, String decision, String outcome) {
    return "portcullis_requests_total{backend=\"" + backend + "\",decision=\"" + decision + "\",method=\"" + method
        + "\",outcome=\"" + outcome + "\"}";
  }

  static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{.*\\})?) (\\S+)$");

  /** Every sample of a Prometheus text exposition, by series (labels as written, a trailing comma dropped). */
  static Map<String, Double> prometheus(String text) {
    Map<String, Double> samples = new LinkedHashMap<>();
    for (String line : text.lines().toList()) {
      Matcher m = SAMPLE.matcher(line);
      if (!line.startsWith("#") && m.matches()) {
        samples.put(m.group(1).replace(",}", "}"), Double.parseDouble(m.group(2)));
      }
    }
    return samples;
  }

  @Test
  void anIncomingTraceparentIsContinuedToTheBackendAndItsTraceIdIsInTheRecord() throws Exception {
    start("");
    String session = openSession(VIEWER);
    byte[] random = new byte[16];
    new java.security.SecureRandom().nextBytes(random);
    String traceId = HexFormat.of().formatHex(random);
    String spanId = "00f067aa0ba902b7";
    HttpResponse<String> answer = as(VIEWER, mcp.post(toolCall(2, "lookup", "{\"text\":\"traced\"}")))
        .session(session).header("traceparent", "00-" + traceId + "-" + spanId + "-01").send();
    assertThat(json(answer).at("/result/content/0/text").asText()).as(answer.body()).isEqualTo("traced");

    RecordingMcpServer.Received atBackend = backend.received().stream()
        .filter(r -> r.method() == HttpMethod.POST && r.body() != null && "tools/call".equals(r.body().getString("method")))
        .reduce((a, b) -> b).orElseThrow();
    String forwarded = atBackend.headers().get("traceparent");
    assertThat(forwarded).as("the backend's traceparent").isNotNull();
    Matcher m = Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-01").matcher(forwarded);
    assertThat(m.matches()).as(forwarded).isTrue();
    assertThat(m.group(1)).isEqualTo(traceId);
    assertThat(m.group(2)).as("the gateway's own span is the parent").isNotEqualTo(spanId).isNotEqualTo("0".repeat(16));

    List<JsonNode> records = AuditLog.records(audit);
    JsonNode traced = records.stream().filter(r -> r.get("method").asText().equals("tools/call")).findFirst().orElseThrow();
    assertThat(traced.get("traceId").asText()).isEqualTo(traceId);
    // A request without traceparent starts a trace of its own.
    JsonNode initialize = records.get(0);
    assertThat(initialize.get("traceId").asText()).matches("[0-9a-f]{32}").isNotEqualTo(traceId);
  }
}
