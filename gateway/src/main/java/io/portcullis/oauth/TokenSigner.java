package io.portcullis.oauth;

import io.portcullis.config.OAuthServerConfig;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs the access tokens the built-in authorization server issues (JWS compact, HS256, with the
 * signing key's {@code kid}) and verifies them: the first configured key signs, every configured
 * key verifies, so a key is rotated by putting a new one first and keeping the old one until its
 * tokens have expired. Only this gateway holds the keys; it verifies only its own tokens.
 */
public final class TokenSigner {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final String signingKid;
  private final Map<String, byte[]> keys = new LinkedHashMap<>();

  public TokenSigner(List<OAuthServerConfig.SigningKey> configured) {
    if (configured.isEmpty()) {
      throw new IllegalArgumentException("no signing key");
    }
    for (OAuthServerConfig.SigningKey key : configured) {
      byte[] secret = key.secret().getBytes(StandardCharsets.UTF_8);
      if (secret.length < 32) {
        throw new IllegalArgumentException("signing key '" + key.kid() + "' is too short: at least 32 bytes are needed");
      }
      keys.put(key.kid(), secret);
    }
    this.signingKid = configured.get(0).kid();
  }

  /** The compact JWS of {@code claims}. */
  public String sign(JsonObject claims) {
    JsonObject header = new JsonObject().put("alg", "HS256").put("typ", "at+jwt").put("kid", signingKid);
    String input = B64.encodeToString(header.encode().getBytes(StandardCharsets.UTF_8)) + "."
        + B64.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
    return input + "." + B64.encodeToString(mac(keys.get(signingKid), input));
  }

  /** The claims of a token this server signed with one of its keys, or null for anything else (the signature not checked out). */
  public JsonObject verify(String token) {
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      return null;
    }
    try {
      JsonObject header = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8));
      if (!"HS256".equals(header.getValue("alg")) || !(header.getValue("kid") instanceof String kid) || !keys.containsKey(kid)) {
        return null;
      }
      byte[] expected = mac(keys.get(kid), parts[0] + "." + parts[1]);
      if (!MessageDigest.isEqual(expected, Base64.getUrlDecoder().decode(parts[2]))) {
        return null;
      }
      return new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
    } catch (IllegalArgumentException | DecodeException | ClassCastException e) {
      return null;
    }
  }

  /** Whether {@code token} names one of this server's keys in its header (so no other provider should try it). */
  public boolean looksLikeOwn(String token) {
    int dot = token.indexOf('.');
    if (dot <= 0) {
      return false;
    }
    try {
      JsonObject header = new JsonObject(new String(Base64.getUrlDecoder().decode(token.substring(0, dot)), StandardCharsets.UTF_8));
      return "at+jwt".equals(header.getValue("typ")) && header.getValue("kid") instanceof String kid && keys.containsKey(kid);
    } catch (IllegalArgumentException | DecodeException e) {
      return false;
    }
  }

  private static byte[] mac(byte[] key, String input) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(input.getBytes(StandardCharsets.US_ASCII));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
  }
}
