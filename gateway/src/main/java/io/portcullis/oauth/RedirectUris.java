package io.portcullis.oauth;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which redirect URIs a client may register, and whether a requested one is a registered one.
 * Registration: https, or http on a loopback host; no fragment; matching an operator pattern
 * (exactly, or by prefix when the pattern ends with {@code *}). Authorization: the requested URI
 * must equal a registered one character for character, except that the port of a loopback http
 * URI may differ (RFC 8252 §7.3: native clients take whatever port is free).
 */
final class RedirectUris {
  private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "localhost", "[::1]", "::1");

  private final List<String> patterns;

  RedirectUris(List<String> patterns) {
    this.patterns = List.copyOf(patterns);
  }

  /** Why {@code uri} cannot be registered, or null when it can. */
  String refusal(String uri) {
    URI parsed = parse(uri);
    if (parsed == null || parsed.getHost() == null || parsed.getScheme() == null) {
      return "'" + uri + "' is not an absolute URL";
    }
    String scheme = parsed.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !(scheme.equals("http") && isLoopback(parsed))) {
      return "'" + uri + "' must use https (http only on a loopback host)";
    }
    if (parsed.getRawFragment() != null || uri.contains("#")) {
      return "'" + uri + "' must not have a fragment";
    }
    if (parsed.getRawUserInfo() != null) {
      return "'" + uri + "' must not carry user information";
    }
    String normalized = withoutLoopbackPort(uri, parsed);
    for (String pattern : patterns) {
      String p = withoutLoopbackPort(pattern, parse(pattern.endsWith("*") ? pattern.substring(0, pattern.length() - 1) : pattern));
      if (p.endsWith("*") ? normalized.startsWith(p.substring(0, p.length() - 1)) : normalized.equals(p)) {
        return null;
      }
    }
    return "'" + uri + "' matches none of the redirect URI patterns the operator allows (auth.oauthServer.redirectUris)";
  }

  /** Whether {@code requested} is one of {@code registered}: equal, or equal but for a loopback http port. */
  static boolean isRegistered(String requested, List<String> registered) {
    if (requested == null) {
      return false;
    }
    URI parsed = parse(requested);
    for (String candidate : registered) {
      if (candidate.equals(requested)) {
        return true;
      }
      URI other = parse(candidate);
      if (parsed != null && other != null && "http".equals(parsed.getScheme()) && "http".equals(other.getScheme())
          && isLoopback(parsed) && isLoopback(other)
          && withoutLoopbackPort(requested, parsed).equals(withoutLoopbackPort(candidate, other))) {
        return true;
      }
    }
    return false;
  }

  private static boolean isLoopback(URI uri) {
    return uri.getHost() != null && LOOPBACK.contains(uri.getHost().toLowerCase(Locale.ROOT));
  }

  /** The URI with the port of a loopback http authority removed (everything else untouched). */
  private static String withoutLoopbackPort(String text, URI parsed) {
    if (parsed == null || !"http".equals(parsed.getScheme()) || !isLoopback(parsed) || parsed.getPort() < 0) {
      return text;
    }
    return text.replaceFirst(":" + parsed.getPort() + "(?=[/?]|$|\\*)", "");
  }

  private static URI parse(String text) {
    try {
      return text == null ? null : new URI(text);
    } catch (Exception e) {
      return null;
    }
  }
}
