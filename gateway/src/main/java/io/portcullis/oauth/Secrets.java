package io.portcullis.oauth;

import io.portcullis.Sha256;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/** Random values the authorization server hands out (ids, codes, tokens) and the hashes it keeps of them. */
final class Secrets {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Secrets() {
  }

  /** {@code bytes} random bytes, base64url without padding. */
  static String random(int bytes) {
    byte[] value = new byte[bytes];
    RANDOM.nextBytes(value);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(value);
  }

  static boolean sameHash(String value, String expectedHash) {
    return value != null && expectedHash != null
        && MessageDigest.isEqual(Sha256.hex(value).getBytes(StandardCharsets.US_ASCII), expectedHash.getBytes(StandardCharsets.US_ASCII));
  }
}
