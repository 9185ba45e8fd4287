package io.portcullis.auth.fetch;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Locale;

/**
 * SSRF protection for every URL Portcullis fetches itself: only http and https, and every address
 * the host resolves to must be public unless the operator allowed private targets
 * ({@code auth.allowPrivateTargets}). Resolution runs on a worker thread. The vetted address is
 * handed back so that the caller connects to exactly that address (a second resolution could
 * answer differently: DNS rebinding).
 */
public final class TargetGuard {
  /** A URL that passed the guard, and the address to connect to. */
  public record Target(URI uri, String host, int port, boolean ssl, InetAddress address) {
  }

  private final Vertx vertx;
  private final boolean allowPrivateTargets;

  public TargetGuard(Vertx vertx, boolean allowPrivateTargets) {
    this.vertx = vertx;
    this.allowPrivateTargets = allowPrivateTargets;
  }

  /**
   * Checks {@code url}. Completes with the target to connect to, or fails with a
   * {@link FetchException} that says why the URL is refused.
   */
  public Future<Target> check(String url) {
    URI uri;
    try {
      uri = parse(url);
    } catch (FetchException e) {
      return Future.failedFuture(e);
    }
    String host = bare(uri.getHost());
    boolean ssl = "https".equals(uri.getScheme().toLowerCase(Locale.ROOT));
    int port = uri.getPort() == -1 ? (ssl ? 443 : 80) : uri.getPort();
    return vertx.executeBlocking(() -> resolve(host), false).compose(addresses -> {
      if (!allowPrivateTargets) {
        for (InetAddress address : addresses) {
          String range = forbiddenRange(address);
          if (range != null) {
            return Future.failedFuture(new FetchException("refused to fetch " + url + ": " + host + " is "
                + address.getHostAddress() + ", a " + range + " address (auth.allowPrivateTargets is off)"));
          }
        }
      }
      return Future.succeededFuture(new Target(uri, host, port, ssl, addresses[0]));
    });
  }

  private static URI parse(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException | NullPointerException e) {
      throw new FetchException("refused to fetch " + url + ": not a URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http")) {
      throw new FetchException("refused to fetch " + url + ": only http and https URLs are fetched");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new FetchException("refused to fetch " + url + ": no host");
    }
    if (uri.getRawUserInfo() != null) {
      throw new FetchException("refused to fetch " + url + ": credentials in the URL are not accepted");
    }
    return uri;
  }

  private static String bare(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  private static InetAddress[] resolve(String host) {
    try {
      return InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      throw new FetchException("cannot resolve " + host);
    }
  }

  /**
   * The name of the non-public range {@code address} falls in (loopback, private, link-local,
   * unspecified, multicast, carrier-grade NAT, reserved), or null for a public address. IPv6
   * forms that embed an IPv4 address (mapped, NAT64, 6to4) are judged by the embedded address.
   */
  public static String forbiddenRange(InetAddress address) {
    byte[] b = address.getAddress();
    return address instanceof Inet4Address ? ipv4Range(b) : ipv6Range(b);
  }

  private static String ipv4Range(byte[] b) {
    int first = b[0] & 0xff;
    int second = b[1] & 0xff;
    if (first == 0) {
      return "unspecified";
    }
    if (first == 127) {
      return "loopback";
    }
    if (first == 10 || first == 172 && (second & 0xf0) == 16 || first == 192 && second == 168) {
      return "private";
    }
    if (first == 169 && second == 254) {
      return "link-local";
    }
    if (first == 100 && (second & 0xc0) == 64) {
      return "carrier-grade NAT";
    }
    if (first >= 224 && first <= 239) {
      return "multicast";
    }
    if (first >= 240 || first == 192 && second == 0 && (b[2] & 0xff) == 0 || first == 198 && (second & 0xfe) == 18) {
      return "reserved";
    }
    return null;
  }

  private static String ipv6Range(byte[] b) {
    if (isZero(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
      return ipv4Range(Arrays.copyOfRange(b, 12, 16));
    }
    if (isZero(b, 0, 15)) {
      return b[15] == 0 ? "unspecified" : b[15] == 1 ? "loopback" : "reserved";
    }
    if (isZero(b, 0, 12)) {
      return "reserved";
    }
    int first = b[0] & 0xff;
    int second = b[1] & 0xff;
    if (first == 0x00 && second == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
      return isZero(b, 4, 12) ? ipv4Range(Arrays.copyOfRange(b, 12, 16)) : "private";
    }
    if (first == 0x20 && second == 0x02) {
      return ipv4Range(Arrays.copyOfRange(b, 2, 6));
    }
    if (first == 0x20 && second == 0x01 && b[2] == 0 && b[3] == 0) {
      return "reserved";
    }
    if ((first & 0xfe) == 0xfc || first == 0xfe && (second & 0xc0) == 0xc0) {
      return "private";
    }
    if (first == 0xfe && (second & 0xc0) == 0x80) {
      return "link-local";
    }
    if (first == 0xff) {
      return "multicast";
    }
    return null;
  }

  private static boolean isZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }
}
