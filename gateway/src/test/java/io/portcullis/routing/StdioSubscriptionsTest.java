package io.portcullis.routing;

import static io.portcullis.routing.TwoCallersGateway.ALICE;
import static io.portcullis.routing.TwoCallersGateway.BOB;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.mcp.JsonRpcErrorCodes;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Resource subscriptions of two callers on server-everything over stdio, one process that keeps
 * one subscription per URI for every session (it sees none): Bob subscribing to and unsubscribing
 * from the URI Alice holds does not end Alice's updates, a restarted process is subscribed again,
 * and a session holds at most stdio.maxSubscriptions. Each test has its own gateway and process
 * (server-everything's update timer is one toggle for all sessions).
 */
class StdioSubscriptionsTest {
  static final String URI = "demo://resource/dynamic/text/1";

  TwoCallersGateway gateway;
  /** server-everything processes that existed before this test's gateway started; not ours. */
  Set<Long> foreign;

  @BeforeEach
  void start() throws Exception {
    foreign = StdioBackendTest.everythingProcesses().stream().map(ProcessHandle::pid).collect(Collectors.toSet());
    gateway = TwoCallersGateway.start("      maxSubscriptions: 3\n      restartBackoff: 200ms");
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
  }

  @Test
  void aliceKeepsReceivingUpdatesAfterBobSubscribesAndUnsubscribesTheSameUri() throws Exception {
    String alice = gateway.openSession(ALICE);
    List<String> alicesStream = gateway.listen(ALICE, alice);
    assertThat(call(ALICE, alice, "resources/subscribe", "{\"uri\":\"" + URI + "\"}").has("result")).isTrue();
    // server-everything then sends resources/updated for every subscribed URI at once and every 5 s.
    assertThat(call(ALICE, alice, "tools/call", "{\"name\":\"toggle-subscriber-updates\",\"arguments\":{}}").has("result")).isTrue();
    awaitUpdates(alicesStream, 1);

    String bob = gateway.openSession(BOB);
    assertThat(call(BOB, bob, "resources/subscribe", "{\"uri\":\"" + URI + "\"}").has("result")).isTrue();
    assertThat(call(BOB, bob, "resources/unsubscribe", "{\"uri\":\"" + URI + "\"}").has("result")).isTrue();
    int before = updates(alicesStream);

    awaitUpdates(alicesStream, before + 1);
  }

  @Test
  void aRestartedProcessIsSubscribedAgainToWhatTheSessionsHold() throws Exception {
    String alice = gateway.openSession(ALICE);
    List<String> alicesStream = gateway.listen(ALICE, alice);
    assertThat(call(ALICE, alice, "resources/subscribe", "{\"uri\":\"" + URI + "\"}").has("result")).isTrue();
    List<ProcessHandle> ours = StdioBackendTest.everythingProcesses().stream().filter(p -> !foreign.contains(p.pid())).toList();
    assertThat(ours).hasSize(1);
    ours.get(0).destroyForcibly();
    ours.get(0).onExit().get(10, TimeUnit.SECONDS);

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    JsonNode toggled = null;
    while ((toggled == null || !toggled.has("result")) && System.nanoTime() < deadline) {
      Thread.sleep(200);
      toggled = call(ALICE, alice, "tools/call", "{\"name\":\"toggle-subscriber-updates\",\"arguments\":{}}");
    }
    assertThat(toggled.has("result")).as("the restarted process answers: %s", toggled).isTrue();
    awaitUpdates(alicesStream, 1);
  }

  @Test
  void aSubscriptionBeyondTheLimitIsRefusedAndOneEndedMakesRoom() throws Exception {
    String bob = gateway.openSession(BOB);
    for (int i = 1; i <= 3; i++) {
      assertThat(call(BOB, bob, "resources/subscribe", "{\"uri\":\"demo://resource/dynamic/text/" + (10 + i) + "\"}").has("result"))
          .isTrue();
    }
    JsonNode refused = call(BOB, bob, "resources/subscribe", "{\"uri\":\"demo://resource/dynamic/text/14\"}");
    assertThat(refused.path("error").path("code").asInt()).as(refused.toString()).isEqualTo(JsonRpcErrorCodes.TOO_MANY_SUBSCRIPTIONS);
    assertThat(refused.path("error").path("message").asText()).contains("3");
    assertThat(call(BOB, bob, "resources/subscribe", "{\"uri\":\"demo://resource/dynamic/text/11\"}").has("result"))
        .as("one already held").isTrue();

    assertThat(call(BOB, bob, "resources/unsubscribe", "{\"uri\":\"demo://resource/dynamic/text/11\"}").has("result")).isTrue();
    assertThat(call(BOB, bob, "resources/subscribe", "{\"uri\":\"demo://resource/dynamic/text/14\"}").has("result")).isTrue();
  }

  private static int updates(List<String> stream) {
    return (int) List.copyOf(stream).stream()
        .filter(l -> l.contains("notifications/resources/updated") && l.contains(URI)).count();
  }

  private static void awaitUpdates(List<String> stream, int atLeast) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (updates(stream) < atLeast && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(updates(stream)).as("resources/updated for %s on Alice's stream", URI).isGreaterThanOrEqualTo(atLeast);
  }

  private JsonNode call(String token, String session, String method, String params) throws Exception {
    return gateway.call(token, session, method, params);
  }
}
