package io.portcullis.mcp;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes JSON-RPC messages. Parsing is strict: duplicate object keys are rejected, so the
 * tree the gateway inspects is the only reading of the bytes, and it is what is re-serialised
 * upstream. Thread-safe.
 */
public final class JsonRpcCodec {
  // Decimals are read exactly (BigDecimal, trailing zeros kept): a number reaches policy and the
  // backend as the client wrote it, not rounded through a double.
  private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .disable(com.fasterxml.jackson.databind.cfg.JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
      .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
      .build();

  private JsonRpcCodec() {
  }

  public static ObjectMapper mapper() {
    return MAPPER;
  }

  public static ObjectNode object() {
    return NODES.objectNode();
  }

  /** Parses bytes that must hold one JSON value: a message object or a batch array. */
  public static JsonNode parseTree(Buffer bytes) throws MalformedMessageException {
    return parseWhole(() -> MAPPER.createParser(BufferStreams.reading(bytes)));
  }

  /**
   * Parses exactly one message from text already decoded (an SSE event's data, a stdio line); a
   * batch is rejected. A leading byte-order mark is skipped, as Jackson does when it reads bytes:
   * a decoder keeps it (a stdio server on .NET may start its output with one).
   */
  public static JsonRpcMessage parse(String text) throws MalformedMessageException {
    return single(parseWhole(() -> MAPPER.createParser(withoutByteOrderMark(text))));
  }

  private static String withoutByteOrderMark(String text) {
    return text.startsWith("\uFEFF") ? text.substring(1) : text;
  }

  /** Opens a parser over some input. */
  private interface ParserOpening {
    JsonParser open() throws IOException;
  }

  private static JsonNode parseWhole(ParserOpening opening) throws MalformedMessageException {
    try (JsonParser parser = opening.open()) {
      JsonNode tree = MAPPER.readTree(parser);
      if (tree == null || tree.isMissingNode()) {
        throw new MalformedMessageException(JsonRpcErrorCodes.PARSE_ERROR, "Parse error: empty body");
      }
      if (parser.nextToken() != null) {
        throw new MalformedMessageException(JsonRpcErrorCodes.PARSE_ERROR, "Parse error: trailing data after the JSON value");
      }
      return tree;
    } catch (JsonProcessingException e) {
      throw new MalformedMessageException(JsonRpcErrorCodes.PARSE_ERROR, "Parse error: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new MalformedMessageException(JsonRpcErrorCodes.PARSE_ERROR, "Parse error: " + e.getMessage());
    }
  }

  /**
   * Parses what a peer sent as one text (an SSE event's data, a stdio line): one message, or each
   * element of a JSON-RPC batch, which protocols up to 2025-03-26 allow, read as if it had come
   * alone. What is not a message goes to {@code malformed}: an element of a batch (the others are
   * still read), or the whole text.
   */
  public static List<JsonRpcMessage> parseEach(String text, java.util.function.Consumer<MalformedMessageException> malformed) {
    JsonNode tree;
    try {
      tree = parseWhole(() -> MAPPER.createParser(withoutByteOrderMark(text)));
      if (!tree.isArray()) {
        return List.of(fromTree(tree));
      }
      if (tree.isEmpty()) {
        throw new MalformedMessageException(JsonRpcErrorCodes.INVALID_REQUEST, "Invalid Request: empty batch");
      }
    } catch (MalformedMessageException e) {
      malformed.accept(e);
      return List.of();
    }
    List<JsonRpcMessage> messages = new ArrayList<>(tree.size());
    for (JsonNode element : tree) {
      try {
        messages.add(fromTree(element));
      } catch (MalformedMessageException e) {
        malformed.accept(e);
      }
    }
    return messages;
  }

  /** Parses exactly one message; a batch is rejected. */
  public static JsonRpcMessage parse(Buffer bytes) throws MalformedMessageException {
    return single(parseTree(bytes));
  }

  private static JsonRpcMessage single(JsonNode tree) throws MalformedMessageException {
    if (tree.isArray()) {
      throw new MalformedMessageException(JsonRpcErrorCodes.INVALID_REQUEST, "Invalid Request: batches are not accepted here");
    }
    return fromTree(tree);
  }

  /** Turns each element of a batch into a message; an empty batch is invalid. */
  public static List<JsonRpcMessage> fromBatch(ArrayNode batch) throws MalformedMessageException {
    if (batch.isEmpty()) {
      throw new MalformedMessageException(JsonRpcErrorCodes.INVALID_REQUEST, "Invalid Request: empty batch");
    }
    List<JsonRpcMessage> messages = new ArrayList<>(batch.size());
    for (JsonNode element : batch) {
      messages.add(fromTree(element));
    }
    return messages;
  }

  /** Classifies one JSON value as a request, notification or response, or says why it is none. */
  public static JsonRpcMessage fromTree(JsonNode tree) throws MalformedMessageException {
    if (!tree.isObject()) {
      throw invalid("a JSON-RPC message must be an object");
    }
    if (!"2.0".equals(text(tree, "jsonrpc"))) {
      throw invalid("\"jsonrpc\" must be \"2.0\"");
    }
    for (Map.Entry<String, JsonNode> field : tree.properties()) {
      switch (field.getKey()) {
        case "jsonrpc", "id", "method", "params", "result", "error" -> { }
        default -> throw invalid("unexpected member \"" + field.getKey() + "\"");
      }
    }
    JsonNode method = tree.get("method");
    JsonNode id = tree.get("id");
    if (method != null) {
      if (!method.isTextual() || method.asText().isEmpty()) {
        throw invalid("\"method\" must be a non-empty string");
      }
      if (tree.has("result") || tree.has("error")) {
        throw invalid("a request cannot carry \"result\" or \"error\"");
      }
      ObjectNode params = params(tree.get("params"));
      if (id == null) {
        return new JsonRpcNotification(method.asText(), params);
      }
      if (!JsonRpcIds.isValidRequestId(id)) {
        throw invalid("\"id\" must be a string or an integer");
      }
      return new JsonRpcRequest(id, method.asText(), params);
    }
    return response(tree, id);
  }

  private static JsonRpcMessage response(JsonNode tree, JsonNode id) throws MalformedMessageException {
    JsonNode result = tree.get("result");
    JsonNode error = tree.get("error");
    if ((result == null) == (error == null)) {
      throw invalid("a message needs \"method\", or exactly one of \"result\" and \"error\"");
    }
    if (id == null || !(id.isNull() || JsonRpcIds.isValidRequestId(id))) {
      throw invalid("a response needs a string or integer \"id\"");
    }
    if (result != null) {
      if (id.isNull()) {
        throw invalid("a result needs the id of its request");
      }
      return JsonRpcResponse.success(id, result);
    }
    if (!error.isObject() || !error.path("code").isIntegralNumber() || !error.path("code").canConvertToInt()
        || !error.path("message").isTextual()) {
      throw invalid("\"error\" must be an object with an integer \"code\" and a string \"message\"");
    }
    return JsonRpcResponse.failure(id, new JsonRpcError(error.get("code").asInt(), error.get("message").asText(), error.get("data")));
  }

  private static ObjectNode params(JsonNode params) throws MalformedMessageException {
    if (params == null || params.isNull()) {
      return null;
    }
    if (!params.isObject()) {
      throw invalid("\"params\" must be an object in MCP");
    }
    return (ObjectNode) params;
  }

  private static String text(JsonNode tree, String field) {
    JsonNode node = tree.get(field);
    return node != null && node.isTextual() ? node.asText() : null;
  }

  private static MalformedMessageException invalid(String why) {
    return new MalformedMessageException(JsonRpcErrorCodes.INVALID_REQUEST, "Invalid Request: " + why);
  }

  /** The message as a JSON object, ready to serialise. */
  public static ObjectNode toTree(JsonRpcMessage message) {
    ObjectNode node = NODES.objectNode();
    node.put("jsonrpc", "2.0");
    if (message instanceof JsonRpcRequest request) {
      node.set("id", request.id());
      node.put("method", request.method());
      if (request.params() != null) {
        node.set("params", request.params());
      }
    } else if (message instanceof JsonRpcNotification notification) {
      node.put("method", notification.method());
      if (notification.params() != null) {
        node.set("params", notification.params());
      }
    } else if (message instanceof JsonRpcResponse response) {
      node.set("id", response.id());
      if (response.error() != null) {
        ObjectNode error = node.putObject("error");
        error.put("code", response.error().code());
        error.put("message", response.error().message());
        if (response.error().data() != null) {
          error.set("data", response.error().data());
        }
      } else {
        node.set("result", response.result());
      }
    }
    return node;
  }

  public static Buffer encode(JsonRpcMessage message) {
    return encodeTree(toTree(message));
  }

  public static Buffer encodeTree(JsonNode tree) {
    try {
      BufferStreams.Output out = BufferStreams.writing();
      MAPPER.writeValue(out, tree);
      return out.buffer();
    } catch (IOException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  public static String encodeToString(JsonRpcMessage message) {
    try {
      return MAPPER.writeValueAsString(toTree(message));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }
}
