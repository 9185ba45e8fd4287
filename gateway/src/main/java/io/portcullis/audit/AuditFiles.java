package io.portcullis.audit;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The audit directory: files named {@code audit-<sequence>-<opened, UTC>.jsonl}, so that name
 * order is chain order whatever the clock did; finding where the chain left off; retention.
 */
final class AuditFiles {
  private static final Pattern NAME = Pattern.compile("audit-(\\d{10})-\\d{8}T\\d{6}Z\\.jsonl");
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final Path directory;

  AuditFiles(Path directory) {
    this.directory = directory;
  }

  Path directory() {
    return directory;
  }

  Path name(long sequence, Instant opened) {
    return directory.resolve(String.format("audit-%010d-%s.jsonl", sequence, STAMP.format(opened)));
  }

  /** The audit files in chain order, oldest first. */
  List<Path> list() throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> entries = Files.list(directory)) {
      entries.filter(p -> NAME.matcher(p.getFileName().toString()).matches()).forEach(files::add);
    }
    files.sort(Comparator.comparing(p -> p.getFileName().toString()));
    return files;
  }

  static long sequence(Path file) {
    Matcher m = NAME.matcher(file.getFileName().toString());
    if (!m.matches()) {
      throw new IllegalArgumentException(file + " is not an audit file");
    }
    return Long.parseLong(m.group(1));
  }

  /**
   * The hash of the last record in the directory, or {@link HashChain#GENESIS} if there is none.
   * A last line without its newline is a record whose write was interrupted (its future never
   * completed), so it is cut off before the chain continues.
   */
  String lastHash(List<Path> files) throws IOException {
    for (int i = files.size() - 1; i >= 0; i--) {
      String line = lastCompleteLine(files.get(i));
      if (line != null) {
        try {
          return HashChain.open(line).hash();
        } catch (IllegalArgumentException e) {
          throw new IOException("cannot continue the audit chain: the last record of " + files.get(i)
              + " is damaged (" + e.getMessage() + ")");
        }
      }
    }
    return HashChain.GENESIS;
  }

  private static String lastCompleteLine(Path file) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      long end = raf.length();
      long lastNewline = findNewline(raf, end);
      if (lastNewline + 1 != end) {
        raf.setLength(lastNewline + 1);
        raf.getFD().sync();
      }
      if (lastNewline < 0) {
        return null;
      }
      long start = findNewline(raf, lastNewline) + 1;
      byte[] line = new byte[Math.toIntExact(lastNewline - start)];
      raf.seek(start);
      raf.readFully(line);
      return new String(line, StandardCharsets.UTF_8);
    }
  }

  /** The position of the last '\n' before {@code before}, or -1. */
  private static long findNewline(RandomAccessFile raf, long before) throws IOException {
    byte[] block = new byte[8192];
    long pos = before;
    while (pos > 0) {
      int n = (int) Math.min(block.length, pos);
      pos -= n;
      raf.seek(pos);
      raf.readFully(block, 0, n);
      for (int i = n - 1; i >= 0; i--) {
        if (block[i] == '\n') {
          return pos + i;
        }
      }
    }
    return -1;
  }

  /** Deletes the oldest files beyond the newest {@code keep}. */
  void prune(int keep) throws IOException {
    List<Path> files = list();
    for (int i = 0; i < files.size() - keep; i++) {
      Files.deleteIfExists(files.get(i));
    }
  }
}
