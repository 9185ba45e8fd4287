package io.portcullis.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** The JSON both engines send to OPA and read back, and the decision ids they mint. */
final class PolicyJson {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private PolicyJson() {
  }

  /** The input of {@code data.mcp.authz.decisions}: {@code {"items": [input, ...]}}. */
  static ObjectNode items(List<ObjectNode> inputs) {
    ObjectNode root = MAPPER.createObjectNode();
    root.putArray("items").addAll(inputs);
    return root;
  }

  static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot serialise the policy input: " + e.getOriginalMessage(), e);
    }
  }

  static String newDecisionId() {
    return io.portcullis.audit.Ids.randomUuid();
  }

  static List<String> newDecisionIds(int n) {
    return java.util.stream.Stream.generate(PolicyJson::newDecisionId).limit(n).toList();
  }

  /** Why an engine failed, for the decision's reasons and the log: the message, never a stack trace. */
  static String why(Throwable e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }
}
