package io.portcullis.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class JsonRpcCodecTest {

  private static JsonRpcMessage parse(String json) throws MalformedMessageException {
    return JsonRpcCodec.parse(Buffer.buffer(json));
  }

  private static JsonNode tree(String json) {
    try {
      return JsonRpcCodec.mapper().readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + json, e);
    }
  }

  private static void assertRejected(String json, int code) {
    assertThatThrownBy(() -> parse(json))
        .isInstanceOf(MalformedMessageException.class)
        .satisfies(e -> assertThat(((MalformedMessageException) e).code()).isEqualTo(code));
  }

  /** Text already decoded (an SSE event's data, a stdio line) parses as its bytes would. */
  @Nested
  class FromText {
    static final String PING = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}";

    @Test
    void aMessageParsesAsItsBytesDo() throws Exception {
      assertThat(JsonRpcCodec.parse(PING)).isEqualTo(parse(PING));
    }

    @Test
    void aLeadingByteOrderMarkIsSkippedAsWhenReadingBytes() throws Exception {
      assertThat(JsonRpcCodec.parse("\uFEFF" + PING)).isEqualTo(parse(PING));
    }

    @Test
    void trailingDataAndBatchesAreRefused() {
      assertThatThrownBy(() -> JsonRpcCodec.parse(PING + " {}")).isInstanceOf(MalformedMessageException.class)
          .hasMessageContaining("trailing data");
      assertThatThrownBy(() -> JsonRpcCodec.parse("[" + PING + "]")).isInstanceOf(MalformedMessageException.class)
          .hasMessageContaining("batches are not accepted");
    }
  }

  /** What a peer sends as one text, a message or a batch, read message by message. */
  @Nested
  class EachFromText {
    static final String PING = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}";
    static final String DONE = "{\"jsonrpc\":\"2.0\",\"id\":8,\"result\":{}}";
    final List<MalformedMessageException> malformed = new java.util.ArrayList<>();

    @Test
    void aMessageIsReadAsItself() throws Exception {
      assertThat(JsonRpcCodec.parseEach("\uFEFF" + PING, malformed::add)).containsExactly(parse(PING));
      assertThat(malformed).isEmpty();
    }

    @Test
    void aBatchIsReadAsEachOfItsMessagesInOrder() throws Exception {
      assertThat(JsonRpcCodec.parseEach("[" + PING + "," + DONE + "]", malformed::add)).containsExactly(parse(PING), parse(DONE));
      assertThat(malformed).isEmpty();
    }

    @Test
    void anElementThatIsNoMessageIsReportedAndTheOthersAreStillRead() throws Exception {
      assertThat(JsonRpcCodec.parseEach("[" + PING + ",{\"hello\":1}," + DONE + "]", malformed::add))
          .containsExactly(parse(PING), parse(DONE));
      assertThat(malformed).singleElement().satisfies(e -> assertThat(e.code()).isEqualTo(JsonRpcErrorCodes.INVALID_REQUEST));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{not json", "[]", PING + " {}"})
    void textThatIsNoMessageNorBatchIsReportedWhole(String text) {
      assertThat(JsonRpcCodec.parseEach(text, malformed::add)).isEmpty();
      assertThat(malformed).hasSize(1);
    }
  }

  @Nested
  class Classification {
    @Test
    void aMessageWithMethodAndIdIsARequest() throws Exception {
      JsonRpcMessage message = parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{\"cursor\":\"c\"}}");
      assertThat(message).isInstanceOfSatisfying(JsonRpcRequest.class, r -> {
        assertThat(r.id()).isEqualTo(tree("1"));
        assertThat(r.method()).isEqualTo("tools/list");
        assertThat(r.params()).isEqualTo(tree("{\"cursor\":\"c\"}"));
      });
    }

    @Test
    void aRequestWithoutParamsHasNullParams() throws Exception {
      assertThat(parse("{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"ping\"}"))
          .isInstanceOfSatisfying(JsonRpcRequest.class, r -> assertThat(r.params()).isNull());
    }

    @Test
    void aMessageWithMethodAndNoIdIsANotification() throws Exception {
      assertThat(parse("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"))
          .isInstanceOfSatisfying(JsonRpcNotification.class, n -> {
            assertThat(n.method()).isEqualTo("notifications/initialized");
            assertThat(n.params()).isNull();
          });
    }

    @Test
    void aMessageWithResultIsASuccessfulResponse() throws Exception {
      assertThat(parse("{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"result\":{\"tools\":[]}}"))
          .isInstanceOfSatisfying(JsonRpcResponse.class, r -> {
            assertThat(r.isError()).isFalse();
            assertThat(r.id()).isEqualTo(tree("\"x\""));
            assertThat(r.result()).isEqualTo(tree("{\"tools\":[]}"));
          });
    }

    @Test
    void aMessageWithErrorIsAnErrorResponse() throws Exception {
      assertThat(parse("{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32601,\"message\":\"nope\",\"data\":[1]}}"))
          .isInstanceOfSatisfying(JsonRpcResponse.class, r -> {
            assertThat(r.isError()).isTrue();
            assertThat(r.error().code()).isEqualTo(-32601);
            assertThat(r.error().message()).isEqualTo("nope");
            assertThat(r.error().data()).isEqualTo(tree("[1]"));
          });
    }

    @Test
    void anErrorResponseMayHaveANullId() throws Exception {
      assertThat(parse("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"Parse error\"}}"))
          .isInstanceOfSatisfying(JsonRpcResponse.class, r -> assertThat(r.id().isNull()).isTrue());
    }

    @Test
    void aBatchIsRefusedWhereOneMessageIsExpected() {
      assertRejected("[{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"id\":1}]", JsonRpcErrorCodes.INVALID_REQUEST);
    }

    @Test
    void aBatchIsReadElementByElement() throws Exception {
      JsonNode batch = JsonRpcCodec.parseTree(Buffer.buffer(
          "[{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"id\":1},{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\"}]"));
      List<JsonRpcMessage> messages = JsonRpcCodec.fromBatch((ArrayNode) batch);
      assertThat(messages).hasSize(2);
      assertThat(messages.get(0)).isInstanceOf(JsonRpcRequest.class);
      assertThat(messages.get(1)).isInstanceOf(JsonRpcNotification.class);
    }

    @Test
    void anEmptyBatchIsInvalid() {
      assertThatThrownBy(() -> JsonRpcCodec.fromBatch(JsonRpcCodec.mapper().createArrayNode()))
          .isInstanceOfSatisfying(MalformedMessageException.class,
              e -> assertThat(e.code()).isEqualTo(JsonRpcErrorCodes.INVALID_REQUEST));
    }
  }

  @Nested
  class ParseErrors {
    @ParameterizedTest(name = "{index}: {0}")
    @ValueSource(strings = {
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"tools/call\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"method\":\"tools/list\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"a\",\"name\":\"b\"}}",
    })
    void duplicateKeysAnywhereAreAParseError(String json) {
      assertRejected(json, JsonRpcErrorCodes.PARSE_ERROR);
    }

    @ParameterizedTest(name = "{index}: \"{0}\"")
    @ValueSource(strings = {"", "   ", "not json", "{\"jsonrpc\":", "{'jsonrpc':'2.0'}", "\u0000"})
    void bytesThatAreNotJsonAreAParseError(String body) {
      assertRejected(body, JsonRpcErrorCodes.PARSE_ERROR);
    }

    @ParameterizedTest(name = "{index}: {0}")
    @ValueSource(strings = {
        "{\"jsonrpc\":\"2.0\",\"method\":\"ping\"} x",
        "{\"jsonrpc\":\"2.0\",\"method\":\"ping\"}{\"jsonrpc\":\"2.0\",\"method\":\"ping\"}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"ping\"} 1",
        "{\"jsonrpc\":\"2.0\",\"method\":\"ping\"}]",
    })
    void dataAfterTheJsonValueIsAParseError(String body) {
      assertRejected(body, JsonRpcErrorCodes.PARSE_ERROR);
    }

    @Test
    void whitespaceAfterTheJsonValueIsAccepted() throws Exception {
      assertThat(parse("{\"jsonrpc\":\"2.0\",\"method\":\"ping\"} \r\n\t")).isInstanceOf(JsonRpcNotification.class);
    }
  }

  @Nested
  class InvalidMessages {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        not an object                    | "just a string"
        missing jsonrpc                  | {"id":1,"method":"ping"}
        wrong version                    | {"jsonrpc":"1.0","id":1,"method":"ping"}
        version as a number              | {"jsonrpc":2.0,"id":1,"method":"ping"}
        null id on a request             | {"jsonrpc":"2.0","id":null,"method":"ping"}
        fractional id                    | {"jsonrpc":"2.0","id":1.5,"method":"ping"}
        integral-looking fractional id   | {"jsonrpc":"2.0","id":1.0,"method":"ping"}
        boolean id                       | {"jsonrpc":"2.0","id":true,"method":"ping"}
        object id                        | {"jsonrpc":"2.0","id":{},"method":"ping"}
        method not a string              | {"jsonrpc":"2.0","id":1,"method":7}
        empty method                     | {"jsonrpc":"2.0","id":1,"method":""}
        params an array                  | {"jsonrpc":"2.0","id":1,"method":"ping","params":[1]}
        params a string                  | {"jsonrpc":"2.0","id":1,"method":"ping","params":"x"}
        request carrying a result        | {"jsonrpc":"2.0","id":1,"method":"ping","result":{}}
        both result and error            | {"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"m"}}
        neither method, result nor error | {"jsonrpc":"2.0","id":1}
        unknown member                   | {"jsonrpc":"2.0","id":1,"method":"ping","extra":true}
        result with a null id            | {"jsonrpc":"2.0","id":null,"result":{}}
        result without an id             | {"jsonrpc":"2.0","result":{}}
        error without code               | {"jsonrpc":"2.0","id":1,"error":{"message":"m"}}
        error without message            | {"jsonrpc":"2.0","id":1,"error":{"code":1}}
        error code fractional            | {"jsonrpc":"2.0","id":1,"error":{"code":1.5,"message":"m"}}
        error code beyond 32 bits        | {"jsonrpc":"2.0","id":1,"error":{"code":4294934528,"message":"m"}}
        error not an object              | {"jsonrpc":"2.0","id":1,"error":"bad"}
        """)
    void anInvalidMessageIsAnInvalidRequest(String why, String json) {
      assertRejected(json, JsonRpcErrorCodes.INVALID_REQUEST);
    }

    @Test
    void aBatchElementThatIsNotAnObjectIsAnInvalidRequest() {
      assertThatThrownBy(() -> JsonRpcCodec.fromBatch((ArrayNode) tree("[{\"jsonrpc\":\"2.0\",\"method\":\"ping\"}, 1]")))
          .isInstanceOfSatisfying(MalformedMessageException.class,
              e -> assertThat(e.code()).isEqualTo(JsonRpcErrorCodes.INVALID_REQUEST));
    }

    @Test
    void theMessageSaysWhatIsWrong() {
      assertThatThrownBy(() -> parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"extra\":true}"))
          .hasMessageContaining("extra");
    }
  }

  @Nested
  class RoundTrip {
    @ParameterizedTest(name = "{index}: {0}")
    @ValueSource(strings = {
        "{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\"}}",
        "{\"jsonrpc\":\"2.0\",\"id\":\"\",\"method\":\"ping\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"method\":\"ping\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":\"\\u00e9\\\"quoted\\\"\",\"method\":\"ping\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"ping\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":-7,\"method\":\"ping\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":9007199254740993,\"method\":\"ping\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":123456789012345678901234567890,\"method\":\"ping\"}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progress\":0.5}}",
        "{\"jsonrpc\":\"2.0\",\"id\":18446744073709551617,\"result\":{\"content\":[]}}",
        "{\"jsonrpc\":\"2.0\",\"id\":\"r-1\",\"error\":{\"code\":-32602,\"message\":\"bad\",\"data\":{\"k\":1}}}",
        "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"Parse error\"}}",
    })
    void encodingAParsedMessageGivesBackTheSameJson(String json) throws Exception {
      JsonRpcMessage message = parse(json);
      assertThat(JsonRpcCodec.toTree(message)).isEqualTo(tree(json));
      assertThat(JsonRpcCodec.encode(message).toString()).isEqualTo(tree(json).toString());
      assertThat(parse(JsonRpcCodec.encodeToString(message))).isEqualTo(message);
    }

    @ParameterizedTest(name = "{index}: id {0}")
    @ValueSource(strings = {"9007199254740993", "123456789012345678901234567890", "-9223372036854775809", "\"0001\""})
    void idsAreWrittenExactlyAsTheyWereRead(String id) throws Exception {
      JsonRpcMessage message = parse("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"ping\"}");
      assertThat(JsonRpcCodec.encode(message).toString()).contains("\"id\":" + id + ",");
    }
  }
}
