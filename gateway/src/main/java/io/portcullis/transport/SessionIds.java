package io.portcullis.transport;

import java.security.SecureRandom;
import java.util.Base64;

/** Session ids: 256 bits from a CSPRNG, base64url — visible ASCII, as the spec requires. */
final class SessionIds {
  private static final SecureRandom RANDOM = new SecureRandom();

  private SessionIds() {
  }

  static String next() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
