package io.portcullis.transport;

import io.portcullis.config.McpConfig;
import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * DNS-rebinding protection: the Host header must name this gateway, and a browser's Origin must
 * be one the operator allowed (by default, one whose host is an allowed host). Requests without
 * an Origin (non-browser clients) pass the Origin check. An explicit {@code allowedOrigins} list
 * holds even with the protection off.
 */
final class OriginGuard {
  private final boolean enabled;
  private final List<String> allowedHosts;
  private final List<String> allowedOrigins;

  OriginGuard(McpConfig config) {
    this.enabled = config.dnsRebindingProtection();
    this.allowedHosts = config.allowedHosts().stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
    this.allowedOrigins = config.allowedOrigins().stream().map(OriginGuard::normaliseOrigin).toList();
  }

  /**
   * Why the request is refused, or null when it may proceed. With the protection off, the Host is
   * not checked, but an Origin still must be one of {@code allowedOrigins} when the operator listed
   * any: the specification asks every server to validate Origin, and a list that is silently
   * ignored would be worse than none.
   */
  String check(String host, String origin) {
    if (enabled && (host == null || !isAllowedHost(host))) {
      return "Forbidden: Host '" + host + "' is not allowed";
    }
    boolean checkOrigin = enabled || !allowedOrigins.isEmpty();
    if (checkOrigin && origin != null && !isAllowedOrigin(origin)) {
      return "Forbidden: Origin '" + origin + "' is not allowed";
    }
    return null;
  }

  private boolean isAllowedHost(String hostHeader) {
    String host = hostHeader.toLowerCase(Locale.ROOT);
    return allowedHosts.contains(host) || allowedHosts.contains(stripPort(host));
  }

  private boolean isAllowedOrigin(String origin) {
    if (!allowedOrigins.isEmpty()) {
      return allowedOrigins.contains(normaliseOrigin(origin));
    }
    try {
      URI uri = new URI(origin);
      if (uri.getHost() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
        return false;
      }
      return isAllowedHost(uri.getRawAuthority());
    } catch (Exception e) {
      return false;
    }
  }

  static String stripPort(String host) {
    if (host.startsWith("[")) {
      int end = host.indexOf(']');
      return end < 0 ? host : host.substring(0, end + 1);
    }
    int colon = host.lastIndexOf(':');
    return colon < 0 ? host : host.substring(0, colon);
  }

  private static String normaliseOrigin(String origin) {
    String o = origin.toLowerCase(Locale.ROOT);
    return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
  }
}
