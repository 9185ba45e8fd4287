package io.portcullis.policy;

import java.util.List;
import java.util.Objects;

/**
 * What policy decided about one input. {@code ERROR} (the engine failed, timed out, or answered
 * something undefined or malformed) is a refusal like {@code DENY}, but recorded apart from it.
 *
 * @param outcome         allow, deny, or error
 * @param reasons         human-readable reasons (for a deny, shown to the agent)
 * @param requiredScopes  scopes that would make the request allowed (a step-up), possibly empty
 * @param decisionId      unique per decision; in the client's error and the audit record
 * @param policyRevision  the policy the decision was made with (bundle hash, or OPA's revision)
 */
public record Decision(Outcome outcome, List<String> reasons, List<String> requiredScopes, String decisionId, String policyRevision) {
  /** The three ways a decision can come out. */
  public enum Outcome { ALLOW, DENY, ERROR }

  public Decision {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(decisionId, "decisionId");
    reasons = reasons == null ? List.of() : List.copyOf(reasons);
    requiredScopes = requiredScopes == null ? List.of() : List.copyOf(requiredScopes);
  }

  public boolean allowed() {
    return outcome == Outcome.ALLOW;
  }

  /** A fail-closed decision for an engine failure; {@code why} goes to the log and audit, not the client. */
  public static Decision error(String decisionId, String policyRevision, String why) {
    return new Decision(Outcome.ERROR, List.of(why), List.of(), decisionId, policyRevision);
  }
}
