package io.portcullis.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.portcullis.mcp.JsonRpcCodec;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RelayedIdsTest {

  /** An id as it arrives from a backend: parsed from its JSON text. */
  private static JsonNode id(String json) throws Exception {
    return JsonRpcCodec.mapper().readTree(json);
  }

  @Nested
  class RoundTrip {
    @ParameterizedTest(name = "{index}: id {0}")
    @ValueSource(strings = {
        "0", "1", "-1", "2147483648", "9007199254740993", "123456789012345678901234567890",
        "\"\"", "\"abc\"", "\"42\"", "\"with:colon\"", "\"quote\\\" and \\\\ backslash\"", "\"\\u00e9\\ud83d\\ude80\"",
        "\"everything:7\""})
    void anEncodedIdDecodesToItsBackendAndTheOriginalId(String json) throws Exception {
      JsonNode upstreamId = id(json);

      JsonNode clientFacing = RelayedIds.encode("everything", upstreamId);

      assertThat(RelayedIds.decode(clientFacing))
          .contains(new RelayedIds.Origin("everything", upstreamId));
    }

    @Test
    void theClientSeesAStringThatNamesTheBackend() {
      JsonNode clientFacing = RelayedIds.encode("files", IntNode.valueOf(5));

      assertThat(clientFacing.isTextual()).isTrue();
      assertThat(clientFacing.asText()).startsWith("files:");
    }

    @Test
    void aStringIdAndAnIntegerIdWithTheSameDigitsStayDistinct() throws Exception {
      JsonNode fromString = RelayedIds.encode("b", id("\"7\""));
      JsonNode fromInteger = RelayedIds.encode("b", id("7"));

      assertThat(fromString).isNotEqualTo(fromInteger);
      assertThat(RelayedIds.decode(fromString).orElseThrow().upstreamId().isTextual()).isTrue();
      assertThat(RelayedIds.decode(fromInteger).orElseThrow().upstreamId().isIntegralNumber()).isTrue();
    }

    @Test
    void theSameIdFromTwoBackendsGivesTwoClientFacingIds() {
      assertThat(RelayedIds.encode("one", IntNode.valueOf(1))).isNotEqualTo(RelayedIds.encode("two", IntNode.valueOf(1)));
    }
  }

  @Nested
  class IdsTheGatewayNeverIssued {
    @Test
    void anIntegerIdDecodesToEmpty() {
      assertThat(RelayedIds.decode(IntNode.valueOf(7))).isEmpty();
    }

    @Test
    void aNullIdDecodesToEmpty() {
      assertThat(RelayedIds.decode(NullNode.getInstance())).isEmpty();
      assertThat(RelayedIds.decode(null)).isEmpty();
    }

    @ParameterizedTest(name = "{index}: \"{0}\"")
    @ValueSource(strings = {
        "", "7", "plain", ":7", "b:", "b:not json", "b:1.5", "b:null", "b:true", "b:{}", "b:[1]", "b:{\"id\":1}",
        "b:'single'", "b:\"unterminated", "b:7 8", "b:\"x\"y", "b:7}", "b: 7"})
    void aStringNotInTheGatewaysFormDecodesToEmpty(String text) {
      assertThat(RelayedIds.decode(new TextNode(text))).isEmpty();
    }
  }
}
