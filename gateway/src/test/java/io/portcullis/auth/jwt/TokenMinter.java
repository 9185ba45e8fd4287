package io.portcullis.auth.jwt;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Builds and signs JWTs with java.security, including the hostile ones a gateway must refuse:
 * unsigned ({@code alg: none}), HMAC-signed with the public key, with a corrupted signature, or
 * signed by a key other than the one its {@code kid} names.
 */
final class TokenMinter {
  private final SigningKey key;
  private final JsonObject header;
  private final JsonObject claims = new JsonObject();

  private TokenMinter(SigningKey key) {
    this.key = key;
    this.header = new JsonObject().put("alg", key.alg()).put("typ", "at+jwt").put("kid", key.kid());
  }

  static TokenMinter signedBy(SigningKey key) {
    return new TokenMinter(key);
  }

  TokenMinter header(String name, Object value) {
    header.put(name, value);
    return this;
  }

  TokenMinter withoutHeader(String name) {
    header.remove(name);
    return this;
  }

  TokenMinter claim(String name, Object value) {
    claims.put(name, value);
    return this;
  }

  TokenMinter without(String claim) {
    claims.remove(claim);
    return this;
  }

  TokenMinter expiresAt(Instant instant) {
    return claim("exp", instant.getEpochSecond());
  }

  /** Signed with the key, as its algorithm prescribes. */
  String sign() {
    String input = signingInput();
    return input + "." + SigningKey.b64(key.sign(input.getBytes(StandardCharsets.US_ASCII)));
  }

  /** Signed by {@code other}'s private key while still naming this key's kid. */
  String signWith(SigningKey other) {
    String input = signingInput();
    return input + "." + SigningKey.b64(other.sign(input.getBytes(StandardCharsets.US_ASCII)));
  }

  /** Correctly signed, then one bit of the signature flipped. */
  String signWithCorruptedSignature() {
    String input = signingInput();
    byte[] signature = key.sign(input.getBytes(StandardCharsets.US_ASCII));
    signature[signature.length / 2] ^= 0x01;
    return input + "." + SigningKey.b64(signature);
  }

  /** Correctly signed, then a claim changed without signing again. */
  String signThenAlter(String claim, Object value) {
    String signed = sign();
    claims.put(claim, value);
    return signingInput() + signed.substring(signed.lastIndexOf('.'));
  }

  /** {@code alg: none} and an empty signature. */
  String unsigned() {
    header.put("alg", "none");
    return signingInput() + ".";
  }

  /** HS256 with the public key's encoded bytes as the secret: the key-confusion attack. */
  String hmacWithPublicKey() {
    header.put("alg", "HS256");
    String input = signingInput();
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.pair().getPublic().getEncoded(), "HmacSHA256"));
      return input + "." + SigningKey.b64(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private String signingInput() {
    return SigningKey.b64(header.encode().getBytes(StandardCharsets.UTF_8)) + "."
        + SigningKey.b64(claims.encode().getBytes(StandardCharsets.UTF_8));
  }
}
