package io.portcullis.oauth;

import io.portcullis.Sha256;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.regex.Pattern;

/** PKCE (RFC 7636), S256 only: the verifier's SHA-256, base64url, equals the challenge. */
final class Pkce {
  private static final Pattern VERIFIER = Pattern.compile("[A-Za-z0-9\\-._~]{43,128}");
  private static final Pattern CHALLENGE = Pattern.compile("[A-Za-z0-9\\-_]{43}");

  private Pkce() {
  }

  static boolean isChallenge(String challenge) {
    return challenge != null && CHALLENGE.matcher(challenge).matches();
  }

  static boolean verifies(String verifier, String challenge) {
    if (verifier == null || !VERIFIER.matcher(verifier).matches()) {
      return false;
    }
    return MessageDigest.isEqual(challengeOf(verifier).getBytes(StandardCharsets.US_ASCII), challenge.getBytes(StandardCharsets.US_ASCII));
  }

  /** The S256 challenge of a verifier: base64url (no padding) of its SHA-256. */
  static String challengeOf(String verifier) {
    byte[] digest = Sha256.of(verifier.getBytes(StandardCharsets.US_ASCII));
    return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
  }
}
