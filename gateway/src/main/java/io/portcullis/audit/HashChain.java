package io.portcullis.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.Sha256;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The tamper-evidence rule. A record's line is its JSON with two fields last: {@code prev}, the
 * {@code hash} of the record before it (64 zeros for the first record of a chain), and {@code hash},
 * the hex SHA-256 of the line as it would read without its {@code hash} field, so {@code prev} is
 * covered. The hash is taken over the bytes as written, never over a re-serialisation, so the
 * verifier does not depend on how a JSON library prints numbers.
 */
public final class HashChain {
  /** The {@code prev} of the very first record of a chain. */
  public static final String GENESIS = "0".repeat(64);

  private static final String HASH_FIELD = ",\"hash\":\"";
  private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

  private HashChain() {}

  /**
   * A record ready to write: its line as UTF-8 bytes ending in a newline, and its hash, the next
   * record's {@code prev}.
   */
  public record Sealed(byte[] bytes, String hash) {
    /** The line as text, without its newline. */
    public String line() {
      return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
    }
  }

  /** What one line claims about itself, and what its hash really is. */
  public record Link(String eventId, String prev, String hash, String computedHash) {
    public boolean intact() {
      return hash.equals(computedHash);
    }
  }

  /** Seals {@code event} as the record after the one whose hash is {@code prev}. */
  public static Sealed seal(AuditEvent event, String prev) {
    return SEALERS.get().seal(event, prev);
  }

  private static final ThreadLocal<Sealer> SEALERS = ThreadLocal.withInitial(Sealer::new);

  /**
   * One thread's working buffer, so that a record costs one array, its line (the audit writer
   * seals every request's record; a fresh builder, digest and copy each took ~5 KB).
   */
  private static final class Sealer {
    /** A buffer grown past this by a huge record is dropped after it, not kept for the thread's life. */
    private static final int KEEP_BYTES = 64 * 1024;
    private LineBuffer line = new LineBuffer();

    Sealed seal(AuditEvent event, String prev) {
      try {
        // Hashed as the very bytes Jackson produced: no second encoding of the record.
        AuditJson.write(event, prev, line);
        String hash = HexFormat.of().formatHex(Sha256.of(line.array(), 0, line.size()));
        line.truncate(line.size() - 1);
        line.writeBytes((HASH_FIELD + hash + "\"}\n").getBytes(StandardCharsets.US_ASCII));
        return new Sealed(line.toByteArray(), hash);
      } finally {
        if (line.array().length > KEEP_BYTES) {
          line = new LineBuffer();
        } else {
          line.reset();
        }
      }
    }
  }

  /** A byte array output stream whose bytes can be read and cut back in place. */
  private static final class LineBuffer extends ByteArrayOutputStream {
    LineBuffer() {
      super(2048);
    }

    byte[] array() {
      return buf;
    }

    void truncate(int length) {
      count = length;
    }
  }

  /**
   * Reads the chain fields of one line.
   *
   * @throws IllegalArgumentException saying what is wrong with a line that is not a sealed record
   */
  public static Link open(String line) {
    int at = line.lastIndexOf(HASH_FIELD);
    if (at < 0 || !line.endsWith("\"}") || line.length() != at + HASH_FIELD.length() + 64 + 2) {
      throw new IllegalArgumentException("not a sealed record: it does not end with a \"hash\" field");
    }
    String hash = line.substring(at + HASH_FIELD.length(), at + HASH_FIELD.length() + 64);
    String body = line.substring(0, at) + "}";
    JsonNode json;
    try {
      json = AuditJson.MAPPER.readTree(line);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
    }
    if (json == null || !json.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    JsonNode prev = json.get("prev");
    if (prev == null || !prev.isTextual() || !HEX64.matcher(prev.asText()).matches()) {
      throw new IllegalArgumentException("no \"prev\" field of 64 hex digits");
    }
    JsonNode eventId = json.get("eventId");
    String id = eventId == null || eventId.isNull() ? null : eventId.asText();
    return new Link(id, prev.asText(), hash, Sha256.hex(body));
  }
}
