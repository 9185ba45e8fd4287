package io.portcullis.policy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import java.util.List;

/**
 * Evaluates the policy's entrypoint {@code data.mcp.authz.decision} for an input document
 * (version 1, see README "Policy"). Implementations: the embedded Wasm engine and the OPA server
 * engine. Fail closed: the futures never fail; a timeout, an engine error, an undefined or a
 * malformed result becomes a {@link Decision.Outcome#ERROR} decision.
 */
public interface PolicyEngine {
  /** Loads the policy; completes when decisions can be made, fails if the policy cannot be loaded. */
  Future<Void> start();

  /** Decides one input. Completes with the decision (never fails). */
  Future<Decision> decide(ObjectNode input);

  /**
   * Decides the items of a list (one input per item, in order): with the OPA server engine in
   * one round trip ({@code data.mcp.authz.decisions} over {@code input.items}). Completes with
   * one decision per input, in the same order (never fails).
   */
  Future<List<Decision>> decideAll(List<ObjectNode> inputs);

  /** The revision of the policy in force (bundle hash, or OPA's bundle revision). */
  String revision();

  /** Whether a policy is loaded, and the last load or reload error if any. */
  PolicyStatus status();

  /** Releases the engine's resources. */
  Future<Void> stop();
}
