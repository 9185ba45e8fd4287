package io.portcullis.auth.jwt;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A JWT in JWS compact serialization, split and decoded but not verified: the header, the claims,
 * the bytes the signature covers and the signature.
 */
record CompactJwt(JsonObject header, JsonObject claims, byte[] signingInput, byte[] signature) {

  /**
   * Parses {@code token}, or answers null when it is not a JWS-compact JWT: three base64url parts
   * (no padding) whose first two are JSON objects, the header naming an {@code alg}.
   */
  static CompactJwt parse(String token) {
    int first = token.indexOf('.');
    int second = first < 0 ? -1 : token.indexOf('.', first + 1);
    if (second < 0 || token.indexOf('.', second + 1) >= 0 || token.indexOf('=') >= 0) {
      return null;
    }
    try {
      JsonObject header = json(token.substring(0, first));
      JsonObject claims = json(token.substring(first + 1, second));
      byte[] signature = Base64.getUrlDecoder().decode(token.substring(second + 1));
      if (!(header.getValue("alg") instanceof String)) {
        return null;
      }
      return new CompactJwt(header, claims, token.substring(0, second).getBytes(StandardCharsets.US_ASCII), signature);
    } catch (IllegalArgumentException | DecodeException | ClassCastException e) {
      return null;
    }
  }

  String alg() {
    return header.getString("alg");
  }

  /** The header's {@code kid}, or null. */
  String kid() {
    return header.getValue("kid") instanceof String kid ? kid : null;
  }

  /** The {@code iss} claim, or null when it is absent or not a string. */
  String issuer() {
    return claims.getValue("iss") instanceof String iss ? iss : null;
  }

  private static JsonObject json(String part) {
    if (part.isEmpty()) {
      throw new IllegalArgumentException("empty part");
    }
    return new JsonObject(new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8));
  }
}
