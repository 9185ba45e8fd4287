package io.portcullis.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HashChainTest {
  @Test
  void aRecordIsOneJsonLineWithEveryFieldInAFixedOrderAndTheChainFieldsLast() throws Exception {
    String line = HashChain.seal(AuditEvents.toolCall("e1"), HashChain.GENESIS).line();

    assertThat(line).doesNotContain("\n");
    JsonNode json = AuditJson.MAPPER.readTree(line);
    List<String> names = new ArrayList<>();
    json.fieldNames().forEachRemaining(names::add);
    assertThat(names).containsExactly("time", "eventId", "decisionId", "principal", "source", "userAgent",
        "clientName", "session", "method", "target", "decision", "policyRevision", "arguments", "outcome",
        "latencyMicros", "bytesIn", "bytesOut", "traceId", "prev", "hash");
    assertThat(json.at("/decision/outcome").asText()).isEqualTo("allow");
    assertThat(json.at("/outcome/kind").asText()).isEqualTo("result");
    assertThat(json.at("/principal/roles/1").asText()).isEqualTo("ops");
    assertThat(json.get("latencyMicros").fieldNames()).toIterable().containsExactly("authenticate", "authorize", "forward");
    assertThat(json.get("session").asText()).hasSize(64).isNotEqualTo("session-1");
  }

  @Test
  void theRecordIsWrittenExactlyAsJacksonWritesItsOwnTreeOfIt() throws Exception {
    // The writer streams fields without a tree: its bytes must be what a tree of them serialises to.
    for (AuditEvent event : List.of(AuditEvents.toolCall("e1"), refused())) {
      String line = HashChain.seal(event, HashChain.GENESIS).line();
      String body = line.substring(0, line.lastIndexOf(",\"hash\":\"")) + "}";

      assertThat(body).isEqualTo(AuditJson.MAPPER.writeValueAsString(AuditJson.MAPPER.readTree(body)));
      assertThat(AuditJson.MAPPER.readTree(body).get("prev").asText()).isEqualTo(HashChain.GENESIS);
    }
    assertThat(AuditJson.MAPPER.readTree(HashChain.seal(AuditEvents.toolCall("e1"), HashChain.GENESIS).line())
        .get("arguments")).isEqualTo(AuditEvents.toolCall("e1").arguments());
  }

  private static AuditEvent refused() {
    return new AuditEvent(Instant.EPOCH, "e0", null, null, "10.0.0.1", null, null, null, null, null,
        new AuditEvent.Decision(AuditEvent.Verdict.DENY, List.of("no credentials")), null, null,
        new AuditEvent.Outcome(AuditEvent.OutcomeKind.REFUSED, 401), null, null, null, null);
  }

  @Test
  void unknownFieldsAreWrittenAsNull() throws Exception {
    JsonNode json = AuditJson.MAPPER.readTree(HashChain.seal(refused(), HashChain.GENESIS).line());

    assertThat(json.get("principal").isNull()).isTrue();
    assertThat(json.get("arguments").isNull()).isTrue();
    assertThat(json.at("/outcome/code").asInt()).isEqualTo(401);
    assertThat(json.get("latencyMicros").size()).isZero();
  }

  @Test
  void aRecordSealedAfterAHugeOneCarriesNothingOfIt() {
    // Each thread seals into a buffer of its own, reused from record to record.
    AuditEvent small = AuditEvents.toolCall("small");
    HashChain.Sealed before = HashChain.seal(small, HashChain.GENESIS);
    AuditEvent e = AuditEvents.toolCall("huge");
    AuditEvent huge = new AuditEvent(e.time(), e.eventId(), e.decisionId(), e.principal(), e.source(), e.userAgent(), e.clientName(),
        e.session(), e.method(), e.target(), e.decision(), e.policyRevision(),
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("text", "x".repeat(100_000)),
        e.outcome(), e.latencyMicros(), e.bytesIn(), e.bytesOut(), e.traceId());

    HashChain.Sealed big = HashChain.seal(huge, before.hash());
    HashChain.Sealed after = HashChain.seal(small, HashChain.GENESIS);

    assertThat(HashChain.open(big.line()).intact()).isTrue();
    assertThat(big.bytes().length).isGreaterThan(100_000);
    assertThat(after.bytes()).isEqualTo(before.bytes());
    assertThat(after.hash()).isEqualTo(before.hash());
  }

  @Test
  void theHashCoversPrevAndOpeningALineRecomputesIt() {
    HashChain.Sealed first = HashChain.seal(AuditEvents.toolCall("e1"), HashChain.GENESIS);
    HashChain.Sealed second = HashChain.seal(AuditEvents.toolCall("e1"), first.hash());

    assertThat(second.hash()).isNotEqualTo(first.hash());
    HashChain.Link link = HashChain.open(second.line());
    assertThat(link.intact()).isTrue();
    assertThat(link.prev()).isEqualTo(first.hash());
    assertThat(link.eventId()).isEqualTo("e1");
    assertThat(HashChain.open(second.line().replace(first.hash(), HashChain.GENESIS)).intact()).isFalse();
  }

  @Test
  void aLineWithoutAHashIsNotASealedRecord() {
    assertThatThrownBy(() -> HashChain.open("{\"eventId\":\"x\"}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("hash");
  }
}
