package io.portcullis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256, as the gateway takes it of tokens, session ids, PKCE verifiers, audit records and
 * policy files. The one-shot forms reuse a digest per thread: looking one up through the JCA
 * providers for every request (a token's cache key, a session's digest in each audit record) costs
 * more than hashing the few bytes.
 */
public final class Sha256 {
  private static final ThreadLocal<MessageDigest> DIGESTS = ThreadLocal.withInitial(Sha256::newDigest);

  private Sha256() {
  }

  /** The digest of {@code bytes}. */
  public static byte[] of(byte[] bytes) {
    return of(bytes, 0, bytes.length);
  }

  /** The digest of {@code length} bytes of {@code bytes} from {@code offset}. */
  public static byte[] of(byte[] bytes, int offset, int length) {
    MessageDigest digest = DIGESTS.get();
    digest.update(bytes, offset, length);
    // digest() resets it for the thread's next use.
    return digest.digest();
  }

  /** The digest of {@code text} as UTF-8. */
  public static byte[] of(String text) {
    return of(text.getBytes(StandardCharsets.UTF_8));
  }

  /** The digest of {@code text} as UTF-8, in lowercase hex. */
  public static String hex(String text) {
    return HexFormat.of().formatHex(of(text));
  }

  /** A digest of its own, for hashing in several updates (files, a record being written). */
  public static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
