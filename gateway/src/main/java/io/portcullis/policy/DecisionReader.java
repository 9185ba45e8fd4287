package io.portcullis.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns what the policy returned into decisions, the same way for both engines: only an object
 * with a boolean {@code allow}, a list of strings {@code reasons} and, optionally, a list of
 * strings {@code required_scopes} is a decision; anything else, or nothing (undefined), is an
 * {@code ERROR} decision.
 */
final class DecisionReader {
  static final String UNDEFINED = "the policy decision is undefined";

  private DecisionReader() {
  }

  /** One decision from {@code data.mcp.authz.decision}; {@code result} null when undefined. */
  static Decision read(JsonNode result, String decisionId, String revision) {
    if (result == null || result.isMissingNode()) {
      return Decision.error(decisionId, revision, UNDEFINED);
    }
    if (!result.isObject()) {
      return malformed(decisionId, revision, "it is not an object");
    }
    JsonNode allow = result.get("allow");
    if (allow == null || !allow.isBoolean()) {
      return malformed(decisionId, revision, "allow is not a boolean");
    }
    List<String> reasons = strings(result.get("reasons"));
    if (reasons == null) {
      return malformed(decisionId, revision, "reasons is not a list of strings");
    }
    List<String> requiredScopes = List.of();
    if (result.has("required_scopes")) {
      requiredScopes = strings(result.get("required_scopes"));
      if (requiredScopes == null) {
        return malformed(decisionId, revision, "required_scopes is not a list of strings");
      }
    }
    Decision.Outcome outcome = allow.booleanValue() ? Decision.Outcome.ALLOW : Decision.Outcome.DENY;
    return new Decision(outcome, reasons, requiredScopes, decisionId, revision);
  }

  /**
   * One decision per item from {@code data.mcp.authz.decisions}, in order; {@code result} null
   * when undefined. A result that is not a list of exactly one element per item makes every item
   * an error.
   */
  static List<Decision> readAll(JsonNode result, List<String> decisionIds, String revision) {
    String whole = null;
    if (result == null || result.isMissingNode()) {
      whole = UNDEFINED;
    } else if (!result.isArray()) {
      whole = "malformed policy decisions: not a list";
    } else if (result.size() != decisionIds.size()) {
      whole = "malformed policy decisions: " + result.size() + " decisions for " + decisionIds.size() + " items";
    }
    List<Decision> decisions = new ArrayList<>(decisionIds.size());
    for (int i = 0; i < decisionIds.size(); i++) {
      decisions.add(whole != null
          ? Decision.error(decisionIds.get(i), revision, whole)
          : read(result.get(i), decisionIds.get(i), revision));
    }
    return decisions;
  }

  /** Every item an error for the same cause (the engine failed before any result). */
  static List<Decision> errors(List<String> decisionIds, String revision, String why) {
    return decisionIds.stream().map(id -> Decision.error(id, revision, why)).toList();
  }

  private static Decision malformed(String decisionId, String revision, String why) {
    return Decision.error(decisionId, revision, "malformed policy decision: " + why);
  }

  private static List<String> strings(JsonNode node) {
    if (node == null || !node.isArray()) {
      return null;
    }
    List<String> out = new ArrayList<>(node.size());
    for (JsonNode n : node) {
      if (!n.isTextual()) {
        return null;
      }
      out.add(n.textValue());
    }
    return out;
  }
}
