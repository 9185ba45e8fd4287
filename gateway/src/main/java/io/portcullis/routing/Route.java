package io.portcullis.routing;

/**
 * Where a client message goes. {@code backend} is the one backend it is routed to, or null for a
 * message that goes to every backend of the session (a list, initialize, a broadcast
 * notification) or that the gateway answers itself. {@code target} is the tool, prompt or
 * resource as the client named it, {@code upstreamTarget} as the backend knows it.
 */
public record Route(String backend, String target, String upstreamTarget) {
  /** A message for every backend of the session, or for the gateway itself. */
  public static final Route ALL = new Route(null, null, null);

  public static Route to(String backend) {
    return new Route(backend, null, null);
  }

  public boolean isSingleBackend() {
    return backend != null;
  }
}
