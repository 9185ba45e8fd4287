package io.portcullis.routing;

import io.portcullis.config.BackendConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How each backend's names appear to clients, and back. A prefixed backend's tools and prompts are
 * shown as {@code <backend><separator><name>} and its resource URIs as {@code <backend>+<uri>}
 * (still a valid URI: the backend name joins the scheme), so that every exposed name and URI
 * names exactly one backend. At most one backend is mounted without a prefix; its names pass
 * unchanged, except those that would read as another backend's, which are hidden.
 */
public final class Mounts {
  /** Where an exposed name or URI leads: a backend and the name or URI it knows. */
  public record Target(String backend, String upstream) {
  }

  private final String separator;
  private final Map<String, Boolean> prefixed = new LinkedHashMap<>();
  private final String unprefixed;

  public Mounts(List<BackendConfig> backends, String separator) {
    this.separator = separator;
    String bare = null;
    for (BackendConfig b : backends) {
      boolean withPrefix = b.prefix() == null ? backends.size() > 1 : b.prefix();
      prefixed.put(b.name(), withPrefix);
      if (!withPrefix) {
        bare = b.name();
      }
    }
    this.unprefixed = bare;
  }

  /** The backends' names, in configuration order. */
  public List<String> backends() {
    return List.copyOf(prefixed.keySet());
  }

  public String exposeName(String backend, String upstreamName) {
    return Boolean.TRUE.equals(prefixed.get(backend)) ? backend + separator + upstreamName : upstreamName;
  }

  public String exposeUri(String backend, String uri) {
    return Boolean.TRUE.equals(prefixed.get(backend)) ? backend + "+" + uri : uri;
  }

  /** The backend and upstream name behind a tool or prompt name the client used. */
  public Optional<Target> resolveName(String exposed) {
    if (exposed == null) {
      return Optional.empty();
    }
    int at = exposed.indexOf(separator);
    if (at > 0 && Boolean.TRUE.equals(prefixed.get(exposed.substring(0, at)))) {
      return Optional.of(new Target(exposed.substring(0, at), exposed.substring(at + separator.length())));
    }
    return unprefixed == null ? Optional.empty() : Optional.of(new Target(unprefixed, exposed));
  }

  /** The backend and upstream URI behind a resource URI (or URI template) the client used. */
  public Optional<Target> resolveUri(String exposed) {
    if (exposed == null) {
      return Optional.empty();
    }
    int plus = exposed.indexOf('+');
    int colon = exposed.indexOf(':');
    if (plus > 0 && (colon < 0 || plus < colon) && Boolean.TRUE.equals(prefixed.get(exposed.substring(0, plus)))) {
      return Optional.of(new Target(exposed.substring(0, plus), exposed.substring(plus + 1)));
    }
    return unprefixed == null ? Optional.empty() : Optional.of(new Target(unprefixed, exposed));
  }

  /** Whether a backend's item can be reached under its exposed name (an unprefixed name may be shadowed). */
  public boolean reachable(String backend, String upstreamName) {
    return resolveName(exposeName(backend, upstreamName)).filter(t -> t.backend().equals(backend)).isPresent();
  }

  public boolean uriReachable(String backend, String uri) {
    return resolveUri(exposeUri(backend, uri)).filter(t -> t.backend().equals(backend)).isPresent();
  }
}
