package io.portcullis.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.testing.RunningGateway;
import io.portcullis.testing.TestPeers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Requests a backend sends to its client (sampling/createMessage, elicitation/create) relayed by
 * the gateway from server-everything over stdio to the SDK client whose tool call caused them, and
 * the client's answer relayed back: the tool results quote what that client answered.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerRequestsThroughGatewayTest {
  private static final String SAMPLED_PREFIX = "Resource trigger-sampling-request context: ";

  RunningGateway gateway;

  @BeforeAll
  void start() throws Exception {
    String command = TestPeers.serverEverythingStdio().stream().map(s -> "\"" + s + "\"").collect(Collectors.joining(", "));
    gateway = RunningGateway.start("""
        server: {port: 0}
        backends:
          - name: everything
            stdio:
              command: [%s]
        """.formatted(command));
  }

  @AfterAll
  void stop() throws Exception {
    gateway.close();
  }

  /** Runs sampling-client.mjs through the gateway and returns its JSON line. */
  private JsonNode runSamplingClient(String name, String prompt, String... extra) throws Exception {
    List<String> command = new ArrayList<>(List.of(TestPeers.node(), TestPeers.script("sampling-client.mjs"),
        gateway.mcpUrl(), "--name", name, "--prompt", prompt));
    command.addAll(List.of(extra));
    TestPeers.Output output = TestPeers.run(command, Map.of(), 90);
    assertThat(output.exitCode()).as("sampling-client %s stderr:\n%s", name, output.stderr()).isZero();
    return new ObjectMapper().readTree(output.lastLine());
  }

  /**
   * What reached the backend is what this client answered: the tool results quote its own name,
   * and it handled exactly the one sampling and one elicitation request its own calls caused.
   */
  private static void assertTheBackendGotTheAnswersOf(SoftAssertions softly, JsonNode result, String name, String prompt) {
    softly.assertThat(result.get("samplingRequests").asInt()).as("sampling requests %s handled", name)
        .isOne();
    softly.assertThat(result.get("samplingPrompts")).as("texts %s was asked to sample", name)
        .extracting(JsonNode::asText).containsExactly(SAMPLED_PREFIX + prompt);
    softly.assertThat(result.get("sampling").asText()).as("trigger-sampling-request result for %s", name)
        .contains("\"model\": \"test-model\"")
        .contains("\"role\": \"assistant\"")
        .contains("\"text\": \"sampled by " + name + ": " + SAMPLED_PREFIX + prompt + "\"");
    softly.assertThat(result.get("elicitationRequests").asInt()).as("elicitation requests %s handled", name)
        .isOne();
    softly.assertThat(result.get("elicitation").asText()).as("trigger-elicitation-request result for %s", name)
        .contains("User provided the requested information")
        .contains("- Name: " + name + "\n")
        .contains("- Email: tester@example.com")
        .contains("\"action\": \"accept\"");
  }

  /** A client saw only its own prompt, and what reached the backend for it is its own answer or a refusal. */
  private static void assertNothingCrossedOver(SoftAssertions softly, JsonNode result, String name, String other) {
    softly.assertThat(result.get("samplingPrompts")).as("texts %s was asked to sample", name)
        .extracting(JsonNode::asText).allMatch(p -> p.equals(SAMPLED_PREFIX + "prompt of " + name));
    softly.assertThat(result.get("samplingRequests").asInt()).as("sampling requests %s handled", name).isLessThanOrEqualTo(1);
    softly.assertThat(result.get("elicitationRequests").asInt()).as("elicitation requests %s handled", name).isLessThanOrEqualTo(1);
    for (String tool : List.of("sampling", "elicitation")) {
      JsonNode outcome = result.get(tool);
      if (outcome.isObject()) {
        softly.assertThat(outcome.get("error").asText()).as("%s's %s refusal", name, tool).doesNotContain(other);
      } else {
        softly.assertThat(outcome.asText()).as("%s's %s result", name, tool).doesNotContain(other).contains(name);
      }
    }
  }

  @Test
  void samplingAndElicitationRequestsReachTheClientAndItsAnswersReachTheBackend() throws Exception {
    JsonNode result = runSamplingClient("solo", "what is a portcullis?");
    SoftAssertions.assertSoftly(softly -> assertTheBackendGotTheAnswersOf(softly, result, "solo", "what is a portcullis?"));
  }

  /**
   * Over stdio the backend's request names no session. When two sessions' calls are in flight at
   * once the gateway cannot tell whose it is, so it must refuse it (the tool then fails) rather
   * than show one client's request to the other: each client either gets exactly its own
   * requests, or a refusal, and never sees or answers the other's. The clients wait for each
   * other (a file barrier) so that their calls overlap; repeated because overlap is a matter of
   * timing.
   */
  @RepeatedTest(5)
  void twoClientsCallingAtOnceEachGetOnlyTheRequestsTheirOwnCallsCaused(RepetitionInfo repetition) throws Exception {
    Path barrier = Files.createTempDirectory("sampling-barrier");
    List<String> names = List.of("north-" + repetition.getCurrentRepetition(), "south-" + repetition.getCurrentRepetition());
    ExecutorService pool = Executors.newFixedThreadPool(names.size());
    try {
      List<Future<JsonNode>> clients = new ArrayList<>();
      for (String name : names) {
        clients.add(pool.submit(() -> runSamplingClient(name, "prompt of " + name,
            "--barrier", barrier.toString(), "--parties", Integer.toString(names.size()), "--record-errors")));
      }
      List<JsonNode> results = new ArrayList<>();
      for (Future<JsonNode> client : clients) {
        results.add(client.get());
      }
      SoftAssertions.assertSoftly(softly -> {
        for (int i = 0; i < names.size(); i++) {
          assertNothingCrossedOver(softly, results.get(i), names.get(i), names.get(1 - i));
        }
      });
    } finally {
      pool.shutdownNow();
      try (Stream<Path> files = Files.list(barrier)) {
        for (Path file : files.toList()) {
          Files.delete(file);
        }
      }
      Files.delete(barrier);
    }
  }
}
