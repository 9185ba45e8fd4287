package io.portcullis.routing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The resource subscriptions of every session on one shared stdio process. The process keeps one
 * subscription per URI for all of them (it sees no session), so the gateway counts subscribers
 * per URI: only the first subscribe goes to the process (others too while it is unanswered) and
 * only the last subscriber's unsubscribe, and one session leaving never ends another's updates. A
 * subscription counts once the process accepted it. Each session holds at most {@code maxPerSession}. Confined to the
 * backend's context, like the rest of the process's state.
 *
 * @param <S> a session on the process
 */
final class SharedSubscriptions<S> {
  /** What to do with a client's subscribe or unsubscribe. */
  enum Step {
    /** Send it to the process (and, for a subscribe, record it once accepted: {@link #subscribeAnswered}). */
    FORWARD,
    /** Answer it at once with success: the process already is, or must stay, subscribed. */
    ANSWER,
    /** Refuse it: the session holds as many subscriptions as it may. */
    REFUSE
  }

  private final int maxPerSession;
  private final Map<String, Set<S>> accepted = new HashMap<>();
  private final Map<String, Set<S>> asking = new HashMap<>();
  private final Map<S, Set<String>> bySession = new HashMap<>();

  SharedSubscriptions(int maxPerSession) {
    this.maxPerSession = maxPerSession;
  }

  int maxPerSession() {
    return maxPerSession;
  }

  Step subscribe(S session, String uri) {
    Set<String> mine = bySession.computeIfAbsent(session, s -> new HashSet<>());
    if (!mine.contains(uri) && mine.size() >= maxPerSession) {
      return Step.REFUSE;
    }
    mine.add(uri);
    if (!of(accepted, uri).isEmpty()) {
      accepted.get(uri).add(session);
      return Step.ANSWER;
    }
    asking.computeIfAbsent(uri, u -> new HashSet<>()).add(session);
    return Step.FORWARD;
  }

  /** The process answered a subscribe {@link #subscribe} forwarded: it counts only if accepted and still asked for. */
  void subscribeAnswered(S session, String uri, boolean accepted) {
    boolean stillAsking = remove(asking, uri, session);
    if (stillAsking && accepted) {
      this.accepted.computeIfAbsent(uri, u -> new HashSet<>()).add(session);
    } else if (stillAsking && !of(this.accepted, uri).contains(session)) {
      forgetOne(session, uri);
    }
  }

  /** FORWARD when no other session holds or is asking for {@code uri}; otherwise ANSWER, and the process stays subscribed. */
  Step unsubscribe(S session, String uri) {
    remove(accepted, uri, session);
    remove(asking, uri, session);
    forgetOne(session, uri);
    return of(accepted, uri).isEmpty() && of(asking, uri).isEmpty() ? Step.FORWARD : Step.ANSWER;
  }

  Set<S> subscribersOf(String uri) {
    return Set.copyOf(of(accepted, uri));
  }

  /** Every URI some session holds: what the process must be subscribed to (after a restart, again). */
  List<String> uris() {
    return List.copyOf(accepted.keySet());
  }

  /** Forgets an ended session; returns the URIs it was the last to hold, of which the process should be unsubscribed. */
  List<String> forget(S session) {
    List<String> nobodyLeft = new ArrayList<>();
    for (String uri : bySession.getOrDefault(session, Set.of())) {
      remove(asking, uri, session);
      if (remove(accepted, uri, session) && of(accepted, uri).isEmpty() && of(asking, uri).isEmpty()) {
        nobodyLeft.add(uri);
      }
    }
    bySession.remove(session);
    return nobodyLeft;
  }

  private void forgetOne(S session, String uri) {
    Set<String> mine = bySession.get(session);
    if (mine != null) {
      mine.remove(uri);
      if (mine.isEmpty()) {
        bySession.remove(session);
      }
    }
  }

  private Set<S> of(Map<String, Set<S>> map, String uri) {
    return map.getOrDefault(uri, Set.of());
  }

  private boolean remove(Map<String, Set<S>> map, String uri, S session) {
    Set<S> sessions = map.get(uri);
    if (sessions == null || !sessions.remove(session)) {
      return false;
    }
    if (sessions.isEmpty()) {
      map.remove(uri);
    }
    return true;
  }
}
