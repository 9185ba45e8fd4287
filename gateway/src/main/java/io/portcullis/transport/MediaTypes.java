package io.portcullis.transport;

import java.util.Locale;

/** Reads Accept and Content-Type headers the way the Streamable HTTP transport needs. */
final class MediaTypes {
  private MediaTypes() {
  }

  /**
   * Whether an Accept header admits {@code type/subtype} (lower case), directly or through a
   * wildcard. Reads the header in place: it is checked on every request.
   */
  static boolean accepts(String accept, String mediaType) {
    if (accept == null) {
      return false;
    }
    int slash = mediaType.indexOf('/');
    int start = 0;
    while (true) {
      int comma = accept.indexOf(',', start);
      int end = comma < 0 ? accept.length() : comma;
      int semicolon = accept.indexOf(';', start);
      int from = start;
      int to = semicolon >= 0 && semicolon < end ? semicolon : end;
      while (from < to && accept.charAt(from) <= ' ') {
        from++;
      }
      while (to > from && accept.charAt(to - 1) <= ' ') {
        to--;
      }
      if (admits(accept, from, to, mediaType, slash)) {
        return true;
      }
      if (comma < 0) {
        return false;
      }
      start = comma + 1;
    }
  }

  /** Whether the range {@code accept[from, to)} is the media type, {@code *}{@code /*} or {@code type/*}. */
  private static boolean admits(String accept, int from, int to, String mediaType, int slash) {
    int length = to - from;
    if (length == mediaType.length() && accept.regionMatches(true, from, mediaType, 0, length)) {
      return true;
    }
    if (length == 3 && accept.startsWith("*/*", from)) {
      return true;
    }
    return length == slash + 2 && accept.regionMatches(true, from, mediaType, 0, slash + 1) && accept.charAt(to - 1) == '*';
  }

  /** The media type without parameters, lower-cased: {@code application/json; charset=utf-8} → {@code application/json}. */
  static String essence(String value) {
    int semicolon = value.indexOf(';');
    return (semicolon < 0 ? value : value.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
  }
}
