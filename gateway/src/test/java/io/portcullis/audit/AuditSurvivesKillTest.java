package io.portcullis.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.cli.Main;
import io.portcullis.config.AuditConfig;
import io.portcullis.testing.McpHttp;
import io.portcullis.testing.RecordingMcpServer;
import io.portcullis.testing.RunningGateway;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The promise of {@code fsync: always}, tested the hard way: the gateway runs as its own JVM,
 * clients call tools as fast as they can, and the gateway is killed with SIGKILL mid-stream.
 * Every answer a client received must have its record on disk, and the chain must verify (a line
 * torn by the kill is tolerated only as the sink itself treats it: cut off when the log is opened
 * again, after which the chain continues intact).
 *
 * <p>SIGKILL ends the process, not the machine: what the gateway handed to the kernel survives in
 * the page cache, so this shows that each record was written before its answer left, not that it
 * was forced to the platter (that would take a power cut). Whether an answer waits for its record
 * at all is shown deterministically by {@code AuditThroughGatewayTest}, where a record that cannot
 * be written turns the answer into -32030; here a race between answer and record is caught only
 * when the kill lands inside it.
 */
class AuditSurvivesKillTest {
  static final Pattern LISTENING = Pattern.compile("Portcullis listening on (http://127\\.0\\.0\\.1:\\d+/mcp)");
  static final int ANSWERS_BEFORE_KILL = 30;
  static final int CLIENTS = 4;

  @TempDir
  Path dir;

  @Test
  void everyAnswerAClientReceivedBeforeTheGatewayWasKilledHasItsRecordAndTheChainVerifies() throws Exception {
    Path audit = dir.resolve("audit");
    try (RecordingMcpServer backend = RecordingMcpServer.start()) {
      Path config = Files.writeString(dir.resolve("portcullis.yaml"), """
          server: {port: 0}
          auth: {anonymous: {enabled: true, subject: load, roles: [admin]}}
          policy: {directory: "%s", opaBinary: "%s", watch: false, timeout: 10s}
          audit: {directory: "%s", fsync: always}
          backends:
            - name: recorder
              http: {url: "%s"}
          """.formatted(RunningGateway.POLICIES, System.getProperty("portcullis.opa"), audit, backend.url()));
      Process gateway = new ProcessBuilder(List.of(
          ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()),
          "-cp", System.getProperty("java.class.path"), Main.class.getName(),
          "run", "--config", config.toString(), "--port", "0")).start();
      CompletableFuture<String> stderr = drain(gateway.getErrorStream());
      ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
      Set<Integer> answered = ConcurrentHashMap.newKeySet();
      Map<Integer, String> unexpected = new ConcurrentHashMap<>();
      List<Throwable> endings = new java.util.concurrent.CopyOnWriteArrayList<>();
      try {
        BufferedReader stdout = new BufferedReader(new InputStreamReader(gateway.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> listening = new CompletableFuture<>();
        daemon(() -> {
          try {
            listening.complete(listeningUrl(stdout));
            while (stdout.readLine() != null) {
              // keep the child's stdout drained
            }
          } catch (Throwable e) {
            listening.completeExceptionally(e);
          }
        });
        String url = listening.get(60, TimeUnit.SECONDS);
        McpHttp mcp = new McpHttp(url);
        String session = mcp.openSession();

        CountDownLatch killed = new CountDownLatch(1);
        AtomicInteger answers = new AtomicInteger();
        AtomicInteger next = new AtomicInteger();
        for (int c = 0; c < CLIENTS; c++) {
          clients.submit(() -> {
            // Each client calls until the gateway is gone (or, as a bound, a few thousand calls).
            while (next.get() < 5_000) {
              int n = next.incrementAndGet();
              HttpResponse<String> response;
              try {
                response = mcp.post("{\"jsonrpc\":\"2.0\",\"id\":" + n + ",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
                    + "\"arguments\":{\"text\":\"call-" + n + "\"}}}").session(session).send();
              } catch (Exception e) {
                endings.add(e);
                return;
              }
              JsonNode body;
              try {
                body = AuditLog.parse(response.body());
              } catch (RuntimeException notJson) {
                body = AuditLog.JSON.missingNode();
              }
              if (response.statusCode() == 200 && ("call-" + n).equals(body.at("/result/content/0/text").asText(null))) {
                answered.add(n);
              } else {
                unexpected.put(n, response.statusCode() + " " + response.body());
              }
              if (answers.incrementAndGet() == ANSWERS_BEFORE_KILL) {
                // Killed the moment an answer arrives: its record must already be on disk, not merely on its way.
                gateway.destroyForcibly();
                killed.countDown();
              }
            }
          });
        }
        assertThat(killed.await(60, TimeUnit.SECONDS)).as("%d answers, then the kill", ANSWERS_BEFORE_KILL).isTrue();
        assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).as("the gateway died").isTrue();
        assertThat(gateway.exitValue()).as("killed by SIGKILL (128 + 9)").isEqualTo(137);
        clients.shutdown();
        assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).as("the clients stopped once the gateway was gone").isTrue();
      } finally {
        gateway.destroyForcibly();
        clients.shutdownNow();
      }

      assertThat(endings).as("every client was still calling when the gateway was killed").hasSize(CLIENTS);
      assertThat(unexpected).as("answers other than the echo before the kill").isEmpty();
      assertThat(answered).hasSizeGreaterThanOrEqualTo(ANSWERS_BEFORE_KILL);

      // What the kill left on disk. The only damage the verifier may report is a torn last line:
      // a record whose write the kill interrupted, never acknowledged, so no client holds its answer.
      List<Path> files = AuditLog.files(audit);
      assertThat(files).isNotEmpty();
      AuditVerifier.Result asLeft = AuditVerifier.verify(files);
      boolean torn = !asLeft.intact();
      if (torn) {
        Path last = files.get(files.size() - 1);
        AuditVerifier.Break broken = asLeft.firstBreak().orElseThrow();
        String content = Files.readString(last);
        assertThat(broken.problem()).as(broken.describe()).isEqualTo(AuditVerifier.Problem.MALFORMED);
        assertThat(broken.file()).isEqualTo(last);
        assertThat(broken.line()).isEqualTo(content.lines().count());
        assertThat(content).as("a torn line has no newline").doesNotEndWith("\n");
      }

      // Opening the log again (what a restarted gateway does) cuts a torn line off and continues the chain.
      JsonLinesFileSink reopened = JsonLinesFileSink.open(audit, AuditConfig.defaults(), Clock.systemUTC());
      try {
        reopened.record(AuditEvents.toolCall("after-the-kill")).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } finally {
        reopened.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
      AuditVerifier.Result verified = AuditLog.verify(audit);
      assertThat(verified.firstBreak()).as("the chain after the kill and a restart").isEmpty();
      assertThat(verified.startsAt()).isEqualTo(HashChain.GENESIS);
      assertThat(verified.records()).isEqualTo(asLeft.records() + 1);

      List<JsonNode> records = AuditLog.records(audit);
      assertThat(records.get(records.size() - 1).get("eventId").asText()).isEqualTo("after-the-kill");
      List<String> recordedCalls = new ArrayList<>();
      for (JsonNode r : records) {
        if ("tools/call".equals(r.get("method").asText()) && "result".equals(r.at("/outcome/kind").asText())) {
          recordedCalls.add(r.at("/arguments/text").asText());
        }
      }
      assertThat(recordedCalls).as("one record per call").doesNotHaveDuplicates();
      List<String> expected = answered.stream().sorted().map(n -> "call-" + n).toList();
      assertThat(recordedCalls).as("the records of the answers clients received (torn last line: %s; gateway stderr:%n%s)",
          torn, stderr.getNow("")).containsAll(expected);
    }
  }

  private static String listeningUrl(BufferedReader lines) {
    try {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        Matcher m = LISTENING.matcher(line);
        if (m.find()) {
          return m.group(1);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    throw new AssertionError("the gateway ended without printing its URL");
  }

  /** Reads a stream to its end on a thread of its own (not the common pool, which a blocking read could starve). */
  private static CompletableFuture<String> drain(InputStream stream) {
    CompletableFuture<String> all = new CompletableFuture<>();
    daemon(() -> {
      try {
        all.complete(new String(stream.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        all.complete("");
      }
    });
    return all;
  }

  private static void daemon(Runnable task) {
    Thread thread = new Thread(task, "audit-kill-test-reader");
    thread.setDaemon(true);
    thread.start();
  }
}
