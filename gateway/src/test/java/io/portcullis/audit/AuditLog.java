package io.portcullis.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads an audit directory the way an auditor would: the {@code audit-*.jsonl} files in name
 * order (which is chain order), their lines, and each line parsed. For the tests that drive a
 * real gateway and then look at what it left on disk.
 */
public final class AuditLog {
  public static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern FILE = Pattern.compile("audit-\\d{10}-\\d{8}T\\d{6}Z\\.jsonl");

  private AuditLog() {
  }

  /** The audit files of {@code directory}, oldest first. */
  public static List<Path> files(Path directory) {
    try (Stream<Path> entries = Files.list(directory)) {
      return entries.filter(p -> FILE.matcher(p.getFileName().toString()).matches()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every line of every audit file, in chain order (a torn last line included as it is). */
  public static List<String> lines(Path directory) {
    List<String> lines = new ArrayList<>();
    for (Path file : files(directory)) {
      try {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        text.lines().forEach(lines::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return lines;
  }

  /** Every record, parsed, in chain order. */
  public static List<JsonNode> records(Path directory) {
    return lines(directory).stream().map(AuditLog::parse).toList();
  }

  /**
   * Waits, polling the files, for the first record of {@code method} (one written after the
   * client already has its answer, or has gone) and returns it; fails after {@code within}.
   */
  public static JsonNode awaitRecord(Path directory, String method, java.time.Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      // A line still being written is skipped: the next look sees it whole.
      var found = (Files.isDirectory(directory) ? lines(directory) : List.<String>of()).stream()
          .filter(line -> line.endsWith("}") && line.contains("\"method\":\"" + method + "\""))
          .map(AuditLog::parse).filter(r -> method.equals(r.path("method").asText())).findFirst();
      if (found.isPresent()) {
        return found.get();
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no " + method + " record within " + within + " in " + directory);
      }
      Thread.sleep(25);
    }
  }

  /** Everything in the audit files as one string (to look for what must never be there). */
  public static String text(Path directory) {
    return String.join("\n", lines(directory));
  }

  public static JsonNode parse(String line) {
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The verifier's verdict on the directory's files, in chain order. */
  public static AuditVerifier.Result verify(Path directory) {
    try {
      return AuditVerifier.verify(files(directory));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
