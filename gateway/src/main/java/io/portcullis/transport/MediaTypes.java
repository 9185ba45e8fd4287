package io.portcullis.transport;

import java.util.Locale;

/** Reads Accept and Content-Type headers the way the Streamable HTTP transport needs. */
final class MediaTypes {
  private MediaTypes() {
  }

  /** Whether an Accept header admits {@code type/subtype}, directly or through a wildcard. */
  static boolean accepts(String accept, String mediaType) {
    if (accept == null) {
      return false;
    }
    String type = mediaType.substring(0, mediaType.indexOf('/'));
    for (String range : accept.split(",")) {
      String r = essence(range);
      if (r.equals(mediaType) || r.equals("*/*") || r.equals(type + "/*")) {
        return true;
      }
    }
    return false;
  }

  /** The media type without parameters, lower-cased: {@code application/json; charset=utf-8} → {@code application/json}. */
  static String essence(String value) {
    int semicolon = value.indexOf(';');
    return (semicolon < 0 ? value : value.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
  }
}
