package io.portcullis.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A size in bytes, written in config as a number or with a unit: {@code 512KiB}, {@code 4MiB}, {@code 1GiB}. */
public record ByteSize(long bytes) {
  private static final Pattern FORMAT = Pattern.compile("(\\d+)\\s*(B|KB|KIB|MB|MIB|GB|GIB)?");

  public ByteSize {
    if (bytes < 0) {
      throw new IllegalArgumentException("a size cannot be negative");
    }
  }

  public static ByteSize ofMebibytes(long mebibytes) {
    return new ByteSize(mebibytes * 1024 * 1024);
  }

  public static ByteSize parse(String text) {
    Matcher m = FORMAT.matcher(text.trim().toUpperCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a size (e.g. 4MiB, 512KiB, 1048576)");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2);
    long factor = switch (unit) {
      case "KB", "KIB" -> 1024L;
      case "MB", "MIB" -> 1024L * 1024;
      case "GB", "GIB" -> 1024L * 1024 * 1024;
      default -> 1L;
    };
    return new ByteSize(Math.multiplyExact(n, factor));
  }
}
