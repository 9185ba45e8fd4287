package io.portcullis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.testing.McpHttp;
import io.portcullis.testing.RecordingMcpServer;
import io.vertx.core.http.HttpMethod;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The {@code portcullis} command line: {@code check} run in this JVM with its output captured,
 * {@code run} as a real child JVM started the way the launcher starts it.
 */
class CliTest {
  static final String INVALID = """
      server: {port: 0, colour: blue}
      mcp:
        sessions: {idle: 5m}
      backends:
        - name: upstream
          http: {}
      """;

  @TempDir
  Path dir;

  Path write(String name, String yaml) throws Exception {
    return Files.writeString(dir.resolve(name), yaml);
  }

  static String validConfig(String backendUrl) {
    try {
      return """
          server: {port: 0}
          auth: {anonymous: {enabled: true}}
          policy: {directory: "%s", opaBinary: "%s", watch: false}
          audit: {directory: "%s"}
          backends:
            - name: upstream
              http: {url: "%s"}
          """.formatted(io.portcullis.testing.RunningGateway.POLICIES, System.getProperty("portcullis.opa"),
          Files.createTempDirectory("portcullis-audit"), backendUrl);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** What a command run in this JVM returned and printed. */
  record Result(int exitCode, String stdout, String stderr) {
  }

  static Result execute(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
    try {
      int code = new CommandLine(new PortcullisCommand()).execute(args);
      return new Result(code, stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  /** Starts {@code portcullis <args>} as a child JVM on this test's class path. */
  static Process portcullis(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(
        ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()),
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).start();
  }

  /** Reads a stream to its end on another thread. */
  static CompletableFuture<String> drain(InputStream stream) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  @Nested
  class Audit {
    @Test
    void verifyChecksTheChainOfTheFilesItIsGiven() throws Exception {
      var sink = io.portcullis.audit.JsonLinesFileSink.open(dir, io.portcullis.config.AuditConfig.defaults(), java.time.Clock.systemUTC());
      for (int i = 0; i < 3; i++) {
        sink.record(new io.portcullis.audit.AuditEvent(java.time.Instant.now(), "event-" + i, null, null, null, null, null, null,
            "tools/call", null, null, null, null, null, null, null, null, null)).toCompletionStage().toCompletableFuture().get();
      }
      sink.close().toCompletionStage().toCompletableFuture().get();
      Path log;
      try (var files = Files.list(dir)) {
        log = files.filter(f -> f.getFileName().toString().endsWith(".jsonl")).findFirst().orElseThrow();
      }

      Result intact = execute("audit", "verify", log.toString());
      assertThat(intact.exitCode()).as(intact.stderr()).isZero();
      assertThat(intact.stdout()).contains("3 records, chain intact");

      Files.writeString(log, Files.readString(log).replaceFirst("event-1", "event-X"));
      Result edited = execute("audit", "verify", log.toString());
      assertThat(edited.exitCode()).isNotZero();
      assertThat(edited.stdout() + edited.stderr()).contains(":2");
    }
  }

  @Nested
  class Policy {
    @Test
    void explainPrintsTheInputAndTheDecisionWithItsReasonsWithoutAGateway() throws Exception {
      Path file = dir.resolve("portcullis.yaml");
      Files.writeString(file, validConfig("http://127.0.0.1:9/mcp"));
      Path viewer = dir.resolve("viewer.json");
      Files.writeString(viewer, "{\"subject\":\"vera\",\"provider\":\"static\",\"roles\":[\"viewer\"]}");
      Path writeTool = dir.resolve("annotations.json");
      Files.writeString(writeTool, "{\"readOnlyHint\":false,\"destructiveHint\":false}");

      Result result = execute("policy", "explain", "--config", file.toString(), "--principal", viewer.toString(),
          "--tool", "create_issue", "--annotations", writeTool.toString());

      assertThat(result.exitCode()).as(result.stderr()).isZero();
      var printed = new com.fasterxml.jackson.databind.ObjectMapper().readTree(result.stdout());
      assertThat(printed.at("/input/target/access").asText()).isEqualTo("write");
      assertThat(printed.at("/input/principal/subject").asText()).isEqualTo("vera");
      assertThat(printed.at("/decision/outcome").asText()).isEqualTo("deny");
      assertThat(printed.at("/decision/reasons/0").asText()).contains("viewer").contains("write");
      assertThat(printed.at("/decision/decision_id").asText()).isNotBlank();
    }

    @Test
    void testRunsThePolicysRegoTestsWithTheGatewaysOpa() throws Exception {
      Path file = dir.resolve("portcullis.yaml");
      Files.writeString(file, validConfig("http://127.0.0.1:9/mcp"));
      Path out = dir.resolve("opa-test.out");

      Process child = new ProcessBuilder(java.util.List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), Main.class.getName(), "policy", "test", "--config", file.toString()))
          .redirectErrorStream(true).redirectOutput(out.toFile()).start();

      assertThat(child.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(child.exitValue()).as(Files.readString(out)).isZero();
      assertThat(Files.readString(out)).contains("PASS:");
    }
  }

  @Nested
  class Check {
    @Test
    void aValidConfigurationExitsZeroAndSaysItIsValid() throws Exception {
      Path file = write("good.yaml", validConfig("http://127.0.0.1:9/mcp"));

      Result result = execute("check", "--config", file.toString());

      assertThat(result.exitCode()).as(result.stderr()).isZero();
      assertThat(result.stdout()).contains(file.toString()).contains("is valid");
    }

    @Test
    void anInvalidConfigurationExitsNonZeroAndListsEveryProblemWithItsPath() throws Exception {
      Path file = write("bad.yaml", INVALID);

      Result result = execute("check", "--config", file.toString());

      assertThat(result.exitCode()).isNotZero();
      assertThat(result.stdout()).doesNotContain("is valid");
      assertThat(result.stderr())
          .contains(file.toString())
          .contains("server.colour: unknown key")
          .contains("mcp.sessions.idle: unknown key")
          .contains("backends[0].http.url: required");
    }
  }

  @Nested
  class Run {
    static final Pattern LISTENING = Pattern.compile("Portcullis listening on (http://127\\.0\\.0\\.1:(\\d+)/mcp)");

    @Test
    void servesOnTheUrlItPrintsAndStopsCleanlyWhenAskedTo() throws Exception {
      try (RecordingMcpServer backend = RecordingMcpServer.start()) {
        Path file = write("run.yaml", validConfig(backend.url()));
        Process gateway = portcullis("run", "--config", file.toString(), "--port", "0");
        CompletableFuture<String> stderr = drain(gateway.getErrorStream());
        try {
          BufferedReader stdout = new BufferedReader(new InputStreamReader(gateway.getInputStream(), StandardCharsets.UTF_8));
          Matcher listening = CompletableFuture.supplyAsync(() -> firstMatch(stdout, LISTENING)).get(60, TimeUnit.SECONDS);
          String url = listening.group(1);
          int port = Integer.parseInt(listening.group(2));
          assertThat(port).isPositive();

          HttpResponse<String> init = new McpHttp(url).post(McpHttp.initializeBody(1)).send();
          assertThat(init.statusCode()).as(init.body()).isEqualTo(200);
          JsonNode answer = new ObjectMapper().readTree(init.body());
          assertThat(answer.at("/result/serverInfo/name").asText()).isEqualTo("portcullis");
          assertThat(backend.methods()).contains("initialize");

          gateway.destroy();

          assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).as("the gateway ended after SIGTERM").isTrue();
          assertThat(gateway.exitValue()).as("exit code after SIGTERM: the JVM's own, not a crash").isEqualTo(143);
          assertThat(stderr.get(10, TimeUnit.SECONDS)).doesNotContain("unclean shutdown").doesNotContain("Exception");
          assertThat(isListening(port)).as("something still listens on " + port).isFalse();
          assertThat(backend.received()).as("the backend was told the open session ended")
              .anyMatch(r -> r.method() == HttpMethod.DELETE);
        } finally {
          gateway.destroyForcibly();
        }
      }
    }

    @Test
    void anInvalidConfigurationExitsNonZeroWithTheProblemsOnStderr() throws Exception {
      Path file = write("bad.yaml", INVALID);
      Process gateway = portcullis("run", "--config", file.toString(), "--port", "0");
      CompletableFuture<String> stdout = drain(gateway.getInputStream());
      CompletableFuture<String> stderr = drain(gateway.getErrorStream());
      try {
        assertThat(gateway.waitFor(60, TimeUnit.SECONDS)).as("run ended by itself").isTrue();

        assertThat(gateway.exitValue()).isNotZero();
        assertThat(stdout.get(10, TimeUnit.SECONDS)).doesNotContain("listening");
        assertThat(stderr.get(10, TimeUnit.SECONDS))
            .contains("invalid configuration")
            .contains("server.colour: unknown key")
            .contains("mcp.sessions.idle: unknown key")
            .contains("backends[0].http.url: required");
      } finally {
        gateway.destroyForcibly();
      }
    }

    private static Matcher firstMatch(BufferedReader lines, Pattern pattern) {
      try {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          Matcher m = pattern.matcher(line);
          if (m.find()) {
            return m;
          }
        }
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      throw new AssertionError("the gateway ended without printing its URL");
    }

    private static boolean isListening(int port) throws Exception {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
        return true;
      } catch (ConnectException e) {
        return false;
      }
    }
  }
}
