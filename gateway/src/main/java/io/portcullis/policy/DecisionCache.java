package io.portcullis.policy;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The decisions one policy revision has already made, by the exact input document it evaluated,
 * so that a repeated input (the same principal calling the same tool from the same session) is
 * answered without evaluating again. Only sound for a deterministic policy ({@link PolicyReads}):
 * the engine keeps one per revision and drops it when the policy or its data change.
 *
 * <p>Allow and deny decisions are kept, errors never (a timeout must not outlive its moment).
 * Inputs longer than {@link #MAX_INPUT_CHARS} are not kept. When full, the cache starts over
 * empty: simple, bounded, and a working set larger than the cache only costs evaluations.
 * Safe for concurrent use from every event loop.
 */
final class DecisionCache {
  /** Longer inputs (arguments the policy reads, typically) are evaluated every time. */
  static final int MAX_INPUT_CHARS = 4096;

  private final String revision;
  private final int maxEntries;
  private final ConcurrentHashMap<String, Decision> decisions = new ConcurrentHashMap<>();
  private final AtomicLong hits = new AtomicLong();

  DecisionCache(String revision, int maxEntries) {
    this.revision = revision;
    this.maxEntries = maxEntries;
  }

  String revision() {
    return revision;
  }

  /** The decision already made for {@code input}, under a new {@code decisionId}; null when there is none. */
  Decision find(String input, String decisionId) {
    Decision known = decisions.get(input);
    if (known == null) {
      return null;
    }
    hits.incrementAndGet();
    return new Decision(known.outcome(), known.reasons(), known.requiredScopes(), decisionId, known.policyRevision());
  }

  /** Keeps {@code decision} (made by this revision for {@code input}) if it may be repeated. */
  void keep(String input, Decision decision) {
    if (decision.outcome() == Decision.Outcome.ERROR || input.length() > MAX_INPUT_CHARS
        || !revision.equals(decision.policyRevision())) {
      return;
    }
    if (decisions.size() >= maxEntries) {
      decisions.clear();
    }
    decisions.put(input, decision);
  }

  int size() {
    return decisions.size();
  }

  long hits() {
    return hits.get();
  }
}
