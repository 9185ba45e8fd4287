package io.portcullis.policy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/** Reads the regular files of a gzipped tar archive (the bundle {@code opa build} writes). */
final class TarGz {
  private static final int BLOCK = 512;

  private TarGz() {
  }

  /** The contents of the named entries (leading "/" or "./" ignored) that the archive holds. */
  static Map<String, byte[]> read(Path archive, Set<String> wanted) throws IOException {
    Map<String, byte[]> found = new HashMap<>();
    try (InputStream in = new GZIPInputStream(Files.newInputStream(archive))) {
      String longName = null;
      byte[] header = new byte[BLOCK];
      while (readFully(in, header) && !allZero(header)) {
        long size = octal(header, 124, 12);
        char type = (char) header[156];
        String name = longName != null ? longName : name(header);
        longName = null;
        byte[] body = in.readNBytes((int) size);
        if (body.length != size) {
          throw new IOException("truncated tar entry " + name);
        }
        skipPadding(in, size);
        if (type == 'L') {
          longName = cString(body, 0, body.length);
        } else if ((type == '0' || type == '\0') && wanted.contains(normalize(name))) {
          found.put(normalize(name), body);
        }
      }
    }
    return found;
  }

  private static String name(byte[] header) {
    String name = cString(header, 0, 100);
    boolean ustar = new String(header, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
    String prefix = ustar ? cString(header, 345, 155) : "";
    return prefix.isEmpty() ? name : prefix + "/" + name;
  }

  private static String normalize(String name) {
    String n = name;
    while (n.startsWith("/") || n.startsWith("./")) {
      n = n.substring(n.startsWith("/") ? 1 : 2);
    }
    return n;
  }

  private static long octal(byte[] b, int off, int len) throws IOException {
    long v = 0;
    for (int i = off; i < off + len; i++) {
      if (b[i] == 0 || b[i] == ' ') {
        if (v > 0) {
          break;
        }
        continue;
      }
      if (b[i] < '0' || b[i] > '7') {
        throw new IOException("bad tar header size field");
      }
      v = v * 8 + (b[i] - '0');
    }
    return v;
  }

  private static String cString(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  private static boolean readFully(InputStream in, byte[] block) throws IOException {
    int n = in.readNBytes(block, 0, block.length);
    if (n == 0) {
      return false;
    }
    if (n != block.length) {
      throw new IOException("truncated tar header");
    }
    return true;
  }

  private static void skipPadding(InputStream in, long size) throws IOException {
    long pad = (BLOCK - size % BLOCK) % BLOCK;
    in.skipNBytes(pad);
  }

  private static boolean allZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }
}
