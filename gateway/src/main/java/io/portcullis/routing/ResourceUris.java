package io.portcullis.routing;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The normal form of a resource URI, in which the gateway routes it, policy decides on it and its
 * backend receives it, so that another spelling of the same URI cannot get past a rule on
 * {@code uris}: the syntax-based normalization of RFC 3986 §6.2.2 (scheme in lower case, and the
 * host of the schemes URL parsers know, http, https, ws, wss, ftp and file, while another scheme's
 * host is kept as written, as those parsers keep it; percent-encoded unreserved characters
 * decoded and other percent-encodings in upper case; dot
 * segments removed from a hierarchical path), non-ASCII characters percent-encoded as UTF-8 (the
 * IRI mapping of RFC 3987 §3.1), and for {@code file} what every URL parser does ({@code file:/a}
 * and {@code file://localhost/a} are {@code file:///a}). This is what the TypeScript SDK's
 * McpServer does when it looks a resource up with {@code new URL(uri)}, as far as a URI is
 * concerned. Characters a URI cannot hold otherwise (controls, spaces, backslashes, ...) are
 * refused: URL parsers drop or reinterpret some of them, so no single reading of them is safe.
 */
public final class ResourceUris {
  private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*");
  private static final String DELIMITERS = ":/?#[]@!$&'()*+,;=";
  /** Schemes whose URIs name a host: without one, parsers disagree on what they mean. */
  private static final Set<String> WITH_HOST = Set.of("http", "https", "ws", "wss", "ftp");
  /** The WHATWG URL standard's special schemes, whose host is case-insensitive to its parser. */
  private static final Set<String> SPECIAL = Set.of("http", "https", "ws", "wss", "ftp", "file");

  private ResourceUris() {
  }

  /** {@code uri} in normal form; an {@link IllegalArgumentException} says why it is not a URI. */
  public static String normalize(String uri) {
    String text = percentNormalized(uri);
    int colon = text.indexOf(':');
    if (colon <= 0 || !SCHEME.matcher(text.substring(0, colon)).matches()) {
      throw invalid("it does not start with a scheme");
    }
    String scheme = text.substring(0, colon).toLowerCase(Locale.ROOT);
    String rest = text.substring(colon + 1);
    int hash = rest.indexOf('#');
    String fragment = hash < 0 ? "" : rest.substring(hash);
    rest = hash < 0 ? rest : rest.substring(0, hash);
    int question = rest.indexOf('?');
    String query = question < 0 ? "" : rest.substring(question);
    String path = question < 0 ? rest : rest.substring(0, question);
    String authority = null;
    if (path.startsWith("//")) {
      int end = path.indexOf('/', 2);
      authority = path.substring(2, end < 0 ? path.length() : end);
      // A URL parser lower-cases the host of the schemes it knows (http, file, ...) and keeps any
      // other scheme's as written: the SDK's McpServer finds vault://TOKEN and vault://token apart.
      authority = SPECIAL.contains(scheme) ? lowerCase(authority) : authority;
      path = end < 0 ? "" : path.substring(end);
    }
    if (scheme.equals("file")) {
      authority = authority == null || authority.equals("localhost") ? "" : authority;
      path = path.startsWith("/") ? path : "/" + path;
    } else if (WITH_HOST.contains(scheme) && (authority == null || authority.isEmpty())) {
      throw invalid("a " + scheme + " URI names a host (" + scheme + "://host/...)");
    }
    if (authority != null || path.startsWith("/")) {
      path = withoutDotSegments(path);
    }
    return scheme + ":" + (authority == null ? "" : "//" + authority) + path + query + fragment;
  }

  /** Every character checked: unreserved ones decoded, other percent-encodings in upper case, non-ASCII encoded. */
  private static String percentNormalized(String uri) {
    StringBuilder out = new StringBuilder(uri.length());
    for (int i = 0; i < uri.length(); ) {
      int c = uri.codePointAt(i);
      i += Character.charCount(c);
      if (c == '%') {
        int value = i + 2 <= uri.length() ? hex(uri.charAt(i)) << 4 | hex(uri.charAt(i + 1)) : -1;
        if (value < 0) {
          throw invalid("a '%' is not followed by two hexadecimal digits");
        }
        i += 2;
        if (unreserved(value)) {
          out.append((char) value);
        } else {
          out.append(String.format("%%%02X", value));
        }
      } else if (unreserved(c) || DELIMITERS.indexOf(c) >= 0) {
        out.append((char) c);
      } else if (c > 0x7f && (c < Character.MIN_SURROGATE || c > Character.MAX_SURROGATE)) {
        for (byte b : Character.toString(c).getBytes(StandardCharsets.UTF_8)) {
          out.append(String.format("%%%02X", b & 0xff));
        }
      } else {
        throw invalid(String.format("it holds the character U+%04X, which a URI cannot", c));
      }
    }
    return out.toString();
  }

  private static boolean unreserved(int c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~';
  }

  private static int hex(char c) {
    return Character.digit(c, 16) < 0 ? -0x100 : Character.digit(c, 16);
  }

  /** The authority in lower case (its host is case-insensitive), percent-encodings kept in upper case. */
  private static String lowerCase(String authority) {
    StringBuilder out = new StringBuilder(authority.length());
    for (int i = 0; i < authority.length(); i++) {
      char c = authority.charAt(i);
      boolean inEncoding = i >= 1 && authority.charAt(i - 1) == '%' || i >= 2 && authority.charAt(i - 2) == '%';
      out.append(inEncoding ? c : Character.toLowerCase(c));
    }
    return out.toString();
  }

  /** RFC 3986 §5.2.4, remove_dot_segments. */
  static String withoutDotSegments(String path) {
    StringBuilder out = new StringBuilder(path.length());
    String in = path;
    while (!in.isEmpty()) {
      if (in.startsWith("../") || in.startsWith("./")) {
        in = in.substring(in.indexOf('/') + 1);
      } else if (in.startsWith("/./") || in.equals("/.")) {
        in = "/" + in.substring(Math.min(3, in.length()));
      } else if (in.startsWith("/../") || in.equals("/..")) {
        in = "/" + in.substring(Math.min(4, in.length()));
        out.setLength(Math.max(0, out.lastIndexOf("/")));
      } else if (in.equals(".") || in.equals("..")) {
        in = "";
      } else {
        int next = in.indexOf('/', 1);
        next = next < 0 ? in.length() : next;
        out.append(in, 0, next);
        in = in.substring(next);
      }
    }
    return out.toString();
  }

  private static IllegalArgumentException invalid(String why) {
    return new IllegalArgumentException(why);
  }
}
