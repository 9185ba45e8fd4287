package io.portcullis.routing;

import static org.assertj.core.api.Assertions.assertThat;

import static io.portcullis.routing.TwoCallersGateway.ALICE;
import static io.portcullis.routing.TwoCallersGateway.BOB;
import static io.portcullis.routing.TwoCallersGateway.JSON;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.mcp.JsonRpcErrorCodes;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * MCP tasks through the gateway to server-everything over stdio, one process every session shares
 * and whose task store answers anyone who names a task id: a task belongs to the caller that
 * created it. Another caller can neither list it, nor get it, nor fetch its result, nor cancel it,
 * and is answered exactly as for a task id that does not exist; its creator can, in any session.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TasksThroughGatewayTest {
  TwoCallersGateway gateway;

  @BeforeAll
  void start() throws Exception {
    gateway = TwoCallersGateway.start("");
  }

  @AfterAll
  void stop() throws Exception {
    gateway.close();
  }

  @Test
  void anotherCallerCanNeitherListNorGetNorFetchNorCancelATaskAndItsCreatorCan() throws Exception {
    String alice = openSession(ALICE);
    String bob = openSession(BOB);
    String task = createResearchTask(ALICE, alice, "acme-merger");

    assertThat(taskIds(call(BOB, bob, "tasks/list", "{}"))).doesNotContain(task);
    JsonNode unknown = call(BOB, bob, "tasks/get", "{\"taskId\":\"no-such-task\"}");
    assertThat(unknown.path("error").path("code").asInt()).isEqualTo(JsonRpcErrorCodes.INVALID_PARAMS);
    for (String method : List.of("tasks/get", "tasks/result", "tasks/cancel")) {
      JsonNode refused = call(BOB, bob, method, "{\"taskId\":\"" + task + "\"}");
      assertThat(refused.has("result")).as(method + " answered Bob with " + refused).isFalse();
      assertThat(refused.get("error")).as(method).isEqualTo(unknown.get("error"));
    }
    // Naming the task as a request's related task would put Bob's request in the task's message queue.
    JsonNode related = call(BOB, bob, "tools/call", """
        {"name":"echo","arguments":{"message":"hi"},"_meta":{"io.modelcontextprotocol/related-task":{"taskId":"%s"}}}"""
        .formatted(task));
    assertThat(related.get("error")).as("tools/call related to Alice's task").isEqualTo(unknown.get("error"));

    assertThat(taskIds(call(ALICE, alice, "tasks/list", "{}"))).contains(task);
    assertThat(call(ALICE, alice, "tasks/get", "{\"taskId\":\"" + task + "\"}").path("result").path("taskId").asText())
        .isEqualTo(task);
    // A new session of Alice's (her first one could have expired while the task ran) fetches the result.
    String aliceAgain = openSession(ALICE);
    JsonNode result = call(ALICE, aliceAgain, "tasks/result", "{\"taskId\":\"" + task + "\"}");
    assertThat(result.path("result").path("content").path(0).path("text").asText())
        .as("Bob's cancel must not have stopped it: %s", result).contains("acme-merger");

    String second = createResearchTask(ALICE, alice, "second");
    assertThat(call(ALICE, alice, "tasks/cancel", "{\"taskId\":\"" + second + "\"}").path("result").path("status").asText())
        .isEqualTo("cancelled");
  }

  /**
   * A task that needs input asks for it on its creator's tasks/result stream, even while another
   * caller's session has a request waiting on the same process (so "the only session waiting"
   * cannot tell whose the question is), and the answer reaches the task.
   */
  @Test
  void theInputATaskNeedsIsAskedOnItsCreatorsResultStreamWhileAnotherCallerWaitsToo() throws Exception {
    String alice = openSession(ALICE, "{\"elicitation\":{}}");
    String bob = openSession(BOB, "{\"elicitation\":{}}");
    List<String> bobsStream = gateway.listen(BOB, bob);
    var bobWaiting = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return gateway.post(BOB, bob, 9, "tools/call", "{\"name\":\"trigger-long-running-operation\",\"arguments\":{\"duration\":8,\"steps\":2}}")
            .body();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    String task = createResearchTask(ALICE, alice, "tulips", true);
    // Meanwhile the task's status ("multiple interpretations for tulips") is announced while Bob alone is waiting.
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
    while (!"input_required".equals(call(ALICE, alice, "tasks/get", "{\"taskId\":\"" + task + "\"}").path("result").path("status").asText())
        && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }

    HttpResponse<java.util.stream.Stream<String>> stream = gateway.mcp().post("""
        {"jsonrpc":"2.0","id":8,"method":"tasks/result","params":{"taskId":"%s"}}""".formatted(task))
        .session(alice).header("Authorization", "Bearer " + ALICE).send(HttpResponse.BodyHandlers.ofLines());
    var messages = stream.body().filter(l -> l.startsWith("data: ")).map(l -> readJson(l.substring(6))).iterator();
    JsonNode question = null;
    while (question == null && messages.hasNext()) {
      JsonNode message = messages.next();
      question = "elicitation/create".equals(message.path("method").asText()) ? message : null;
      assertThat(message.has("error")).as("tasks/result answered %s", message).isFalse();
    }
    assertThat(question).as("the task's question on Alice's tasks/result stream").isNotNull();
    HttpResponse<String> answered = gateway.mcp().post("""
        {"jsonrpc":"2.0","id":%s,"result":{"action":"accept","content":{"interpretation":"historical"}}}"""
        .formatted(question.get("id"))).session(alice).header("Authorization", "Bearer " + ALICE).send();
    assertThat(answered.statusCode()).as(answered.body()).isEqualTo(202);
    JsonNode result = null;
    while (result == null && messages.hasNext()) {
      JsonNode message = messages.next();
      result = message.path("id").asInt() == 8 ? message : null;
    }
    assertThat(result).isNotNull();
    assertThat(result.path("result").path("content").path(0).path("text").asText()).contains("tulips (historical)");
    String bobsAnswer = bobWaiting.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(bobsAnswer).contains("Long running operation").doesNotContain("elicitation").doesNotContain("tulips");
    assertThat(String.join("\n", bobsStream)).doesNotContain("tulips").doesNotContain("tasks/status");
  }

  private static JsonNode readJson(String text) {
    try {
      return JSON.readTree(text);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private String createResearchTask(String token, String session, String topic) throws Exception {
    return createResearchTask(token, session, topic, false);
  }

  private String createResearchTask(String token, String session, String topic, boolean ambiguous) throws Exception {
    JsonNode created = call(token, session, "tools/call", """
        {"name":"simulate-research-query","arguments":{"topic":"%s","ambiguous":%s},"task":{"ttl":60000}}"""
        .formatted(topic, ambiguous));
    String task = created.path("result").path("task").path("taskId").asText(null);
    assertThat(task).as("CreateTaskResult: %s", created).isNotNull();
    return task;
  }

  private static List<String> taskIds(JsonNode list) {
    assertThat(list.path("result").path("tasks").isArray()).as("tasks/list answered %s", list).isTrue();
    List<String> ids = new ArrayList<>();
    list.path("result").path("tasks").forEach(t -> ids.add(t.path("taskId").asText()));
    return ids;
  }

  private String openSession(String token) throws Exception {
    return gateway.openSession(token);
  }

  private String openSession(String token, String capabilities) throws Exception {
    return gateway.openSession(token, capabilities);
  }

  private JsonNode call(String token, String session, String method, String params) throws Exception {
    return gateway.call(token, session, method, params);
  }
}
