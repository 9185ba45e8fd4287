package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OPA server engine against OPA's REST data API on loopback: a fake OPA for the failures a
 * real one will not produce on demand (slow, broken, malformed answers), a real
 * {@code opa run --server} for the rest.
 */
@ExtendWith(VertxExtension.class)
class OpaServerPolicyEngineTest {
  private static final String ALLOW = "{\"allow\": true, \"reasons\": [\"fine\"]}";

  Vertx vertx;
  FakeOpaServer fake;
  final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    this.vertx = vertx;
    this.fake = FakeOpaServer.start(vertx);
    closeables.add(fake);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  OpaServerPolicyEngine engine(String url, Duration timeout) {
    OpaServerPolicyEngine engine = new OpaServerPolicyEngine(vertx, url, 4, timeout);
    closeables.add(() -> engine.stop().await(10, TimeUnit.SECONDS));
    return engine;
  }

  OpaServerPolicyEngine engine() {
    return engine(fake.url(), Duration.ofSeconds(2));
  }

  static Decision decide(PolicyEngine engine, ObjectNode input) throws Exception {
    return engine.decide(input).await(10, TimeUnit.SECONDS);
  }

  static ObjectNode ping() {
    return PolicyInputTable.other("ping", PolicyInputTable.who("viewer"));
  }

  @Nested
  class FailingClosed {
    @Test
    void aRefusedConnectionIsAnErrorAndShowsInTheStatus() throws Exception {
      String url = "http://127.0.0.1:" + OpaServerProcess.freePort();
      OpaServerPolicyEngine engine = engine(url, Duration.ofSeconds(2));

      engine.start().await(10, TimeUnit.SECONDS);
      Decision decision = decide(engine, ping());

      assertThat(decision.outcome()).isEqualTo(Decision.Outcome.ERROR);
      assertThat(decision.reasons().get(0)).startsWith("OPA server decision failed");
      assertThat(decision.decisionId()).matches("[0-9a-f-]{36}");
      assertThat(engine.status().loaded()).isFalse();
      assertThat(engine.status().lastError()).isNotBlank();
    }

    @Test
    void anAnswerSlowerThanTheTimeoutIsAnErrorAndTheNextFastOneIsNot() throws Exception {
      fake.answer(200, "{\"result\": " + ALLOW + "}").delay(3_000);
      OpaServerPolicyEngine engine = engine(fake.url(), Duration.ofMillis(100));

      Decision slow = decide(engine, ping());
      fake.delay(0);
      Decision fast = decide(engine, ping());

      assertThat(slow.outcome()).isEqualTo(Decision.Outcome.ERROR);
      assertThat(slow.reasons().get(0)).contains("did not answer within 100 ms");
      assertThat(fast.outcome()).isEqualTo(Decision.Outcome.ALLOW);
    }

    @Test
    void aStatusOtherThan200IsAnError() throws Exception {
      fake.answer(500, "{\"code\": \"internal_error\", \"message\": \"boom\"}");

      Decision decision = decide(engine(), ping());

      assertThat(decision.outcome()).isEqualTo(Decision.Outcome.ERROR);
      assertThat(decision.reasons().get(0)).contains("HTTP 500").contains("boom");
    }

    @Test
    void anAnswerWithoutAResultIsAnUndefinedDecision() throws Exception {
      fake.answer(200, "{}");

      Decision decision = decide(engine(), ping());

      assertThat(decision.outcome()).isEqualTo(Decision.Outcome.ERROR);
      assertThat(decision.reasons()).containsExactly("the policy decision is undefined");
    }

    @Test
    void aResultThatIsNotADecisionIsAnError() throws Exception {
      fake.answer(200, "{\"result\": {\"allow\": \"yes\", \"reasons\": []}}");

      assertThat(decide(engine(), ping()).reasons()).containsExactly("malformed policy decision: allow is not a boolean");
    }

    @Test
    void anAnswerThatIsNotJsonIsAnError() throws Exception {
      fake.answer(200, "<html>proxy error</html>");

      assertThat(decide(engine(), ping()).outcome()).isEqualTo(Decision.Outcome.ERROR);
    }

    @Test
    void aListAnswerOfTheWrongLengthIsAnErrorForEveryItem() throws Exception {
      fake.answer(200, "{\"result\": [" + ALLOW + "]}");

      List<Decision> list = engine().decideAll(List.of(ping(), ping())).await(10, TimeUnit.SECONDS);

      assertThat(list).extracting(Decision::outcome).containsExactly(Decision.Outcome.ERROR, Decision.Outcome.ERROR);
    }

    @Test
    void aListWhenOpaIsDownIsAnErrorForEveryItem() throws Exception {
      OpaServerPolicyEngine engine = engine("http://127.0.0.1:" + OpaServerProcess.freePort(), Duration.ofSeconds(2));

      List<Decision> list = engine.decideAll(List.of(ping(), ping(), ping())).await(10, TimeUnit.SECONDS);

      assertThat(list).hasSize(3).extracting(Decision::outcome).containsOnly(Decision.Outcome.ERROR);
      assertThat(list).extracting(Decision::decisionId).doesNotHaveDuplicates();
    }

    @Test
    void aRealOpaWithNoPolicyLoadedAnswersUndefined(@TempDir Path tmp) throws Exception {
      OpaServerProcess opa = OpaServerProcess.start(vertx, Files.createDirectories(tmp.resolve("empty")));
      closeables.add(opa);
      OpaServerPolicyEngine engine = engine(opa.url(), Duration.ofSeconds(2));
      engine.start().await(10, TimeUnit.SECONDS);

      Decision decision = decide(engine, ping());

      assertThat(engine.status().loaded()).isTrue();
      assertThat(decision.outcome()).isEqualTo(Decision.Outcome.ERROR);
      assertThat(decision.reasons()).containsExactly("the policy decision is undefined");
    }
  }

  @Nested
  class Asking {
    @Test
    void aDecisionPostsTheInputToTheDecisionRuleAskingForProvenance() throws Exception {
      fake.answer(200, "{\"result\": " + ALLOW + "}");
      ObjectNode input = ping();

      Decision decision = decide(engine(), input);

      assertThat(decision.outcome()).isEqualTo(Decision.Outcome.ALLOW);
      assertThat(decision.reasons()).containsExactly("fine");
      assertThat(fake.received()).singleElement().satisfies(r -> {
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.uri()).isEqualTo("/v1/data/mcp/authz/decision?provenance");
        assertThat(r.body().get("input")).isEqualTo(input);
      });
    }

    @Test
    void aListIsOneRoundTripWithTheItemsAsInput() throws Exception {
      fake.answer(200, "{\"decision_id\": \"opa-7\", \"result\": [" + ALLOW + ", {\"allow\": false, \"reasons\": [\"no\"], "
          + "\"required_scopes\": [\"repo\"]}, " + ALLOW + "]}");
      List<ObjectNode> items = List.of(ping(), PolicyInputTable.other("initialize", PolicyInputTable.who()), ping());

      List<Decision> list = engine().decideAll(items).await(10, TimeUnit.SECONDS);

      assertThat(fake.received()).singleElement().satisfies(r -> {
        assertThat(r.uri()).isEqualTo("/v1/data/mcp/authz/decisions?provenance");
        assertThat(r.body().get("input").get("items")).hasSize(3);
        assertThat(r.body().get("input").get("items").get(1)).isEqualTo(items.get(1));
      });
      assertThat(list).extracting(Decision::outcome)
          .containsExactly(Decision.Outcome.ALLOW, Decision.Outcome.DENY, Decision.Outcome.ALLOW);
      assertThat(list.get(1).requiredScopes()).containsExactly("repo");
      assertThat(list).extracting(Decision::decisionId).containsExactly("opa-7/0", "opa-7/1", "opa-7/2");
    }

    @Test
    void opasDecisionIdIsTheDecisionsId() throws Exception {
      fake.answer(200, "{\"decision_id\": \"5f0c-opa\", \"result\": " + ALLOW + "}");

      assertThat(decide(engine(), ping()).decisionId()).isEqualTo("5f0c-opa");
    }

    @Test
    void withoutOpasDecisionIdEachDecisionGetsAFreshOne() throws Exception {
      fake.answer(200, "{\"result\": " + ALLOW + "}");
      OpaServerPolicyEngine engine = engine();

      assertThat(decide(engine, ping()).decisionId()).matches("[0-9a-f-]{36}").isNotEqualTo(decide(engine, ping()).decisionId());
    }

    @Test
    void theBundleRevisionFromProvenanceIsThePolicyRevision() throws Exception {
      fake.answer(200, "{\"provenance\": {\"version\": \"1.22.2\", \"bundles\": {\"authz\": {\"revision\": \"rev-42\"}}}, "
          + "\"result\": " + ALLOW + "}");
      OpaServerPolicyEngine engine = engine();
      assertThat(engine.revision()).isEqualTo("opa-server");

      Decision decision = decide(engine, ping());

      assertThat(decision.policyRevision()).isEqualTo("rev-42");
      assertThat(engine.revision()).isEqualTo("rev-42");
      assertThat(engine.status()).isEqualTo(new PolicyStatus(true, "rev-42", null));
    }

    @Test
    void severalBundlesMakeARevisionOfNamedPairs() {
      ObjectNode provenance = PolicyJson.MAPPER.createObjectNode();
      provenance.putObject("bundles").<ObjectNode>set("b", PolicyJson.MAPPER.createObjectNode().put("revision", "2"))
          .set("a", PolicyJson.MAPPER.createObjectNode().put("revision", "1"));

      assertThat(OpaServerPolicyEngine.revisionOf(provenance)).isEqualTo("a=1,b=2");
      assertThat(OpaServerPolicyEngine.revisionOf(PolicyJson.MAPPER.createObjectNode().put("version", "1"))).isEqualTo("opa-server");
    }

    @Test
    void startChecksHealthAndReportsAReachableOpaAsLoaded() throws Exception {
      OpaServerPolicyEngine engine = engine();

      engine.start().await(10, TimeUnit.SECONDS);

      assertThat(fake.received()).singleElement().satisfies(r -> assertThat(r.uri()).isEqualTo("/health"));
      assertThat(engine.status().loaded()).isTrue();
    }

    @Test
    void anOpaThatComesBackIsUsedAgain() throws Exception {
      fake.answer(503, "{}");
      OpaServerPolicyEngine engine = engine();
      engine.start().await(10, TimeUnit.SECONDS);
      assertThat(engine.status().loaded()).isFalse();

      fake.answer(200, "{\"result\": " + ALLOW + "}");

      assertThat(decide(engine, ping()).outcome()).isEqualTo(Decision.Outcome.ALLOW);
      assertThat(engine.status().loaded()).isTrue();
    }
  }
}
