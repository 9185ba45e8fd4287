package io.portcullis.audit;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Checks a chain of audit files, given in chain order, and finds the first record that breaks it:
 * one whose hash does not match its content (it was edited) or whose {@code prev} is not the hash
 * of the record before it (a record was deleted, inserted or moved). The first record checked may
 * continue from a record in a file no longer kept; {@link Result#startsAt} says where it starts.
 */
public final class AuditVerifier {
  private AuditVerifier() {}

  /** Why a record breaks the chain. */
  public enum Problem {
    HASH_MISMATCH("its hash does not match its content: the record was edited"),
    PREV_MISMATCH("its prev is not the hash of the record before it: a record was deleted, inserted or reordered"),
    MALFORMED("it is not a sealed audit record");

    private final String explanation;

    Problem(String explanation) {
      this.explanation = explanation;
    }

    public String explanation() {
      return explanation;
    }
  }

  /** The first record that breaks the chain: where it is, its event id (null if unreadable), and why. */
  public record Break(Path file, long line, String eventId, Problem problem, String detail) {
    public String describe() {
      return file + ":" + line + " (event " + (eventId == null ? "unknown" : eventId) + "): "
          + problem.explanation() + (detail == null ? "" : " (" + detail + ")");
    }
  }

  /** How many records were checked before the end or the first break, and the {@code prev} of the first. */
  public record Result(long records, String startsAt, Optional<Break> firstBreak) {
    public boolean intact() {
      return firstBreak.isEmpty();
    }
  }

  /**
   * Verifies {@code files} as one chain.
   *
   * @throws IOException if a file cannot be read
   */
  public static Result verify(List<Path> files) throws IOException {
    String expected = null;
    String startsAt = null;
    long records = 0;
    for (Path file : files) {
      try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        long number = 0;
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
          number++;
          HashChain.Link link;
          try {
            link = HashChain.open(line);
          } catch (IllegalArgumentException e) {
            return new Result(records, startsAt, Optional.of(new Break(file, number, null, Problem.MALFORMED, e.getMessage())));
          }
          if (!link.intact()) {
            return new Result(records, startsAt, Optional.of(new Break(file, number, link.eventId(), Problem.HASH_MISMATCH, null)));
          }
          if (expected == null) {
            startsAt = link.prev();
          } else if (!expected.equals(link.prev())) {
            return new Result(records, startsAt, Optional.of(new Break(file, number, link.eventId(), Problem.PREV_MISMATCH, null)));
          }
          expected = link.hash();
          records++;
        }
      }
    }
    return new Result(records, startsAt, Optional.empty());
  }
}
