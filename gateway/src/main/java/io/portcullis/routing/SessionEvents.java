package io.portcullis.routing;

/** What a backend tells the gateway session it serves, outside any one request. */
public interface SessionEvents {
  /** The backend lost this session for good (it ended it, or the process was replaced). */
  void backendSessionLost(String why);
}
