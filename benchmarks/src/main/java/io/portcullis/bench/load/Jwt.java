package io.portcullis.bench.load;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;

/** An RSA signing key made for the run, its JWKS, and RS256 access tokens signed with it. */
final class Jwt {
  static final String KID = "bench-1";
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final KeyPair keys;

  Jwt() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    keys = generator.generateKeyPair();
  }

  String jwks() {
    RSAPublicKey pub = (RSAPublicKey) keys.getPublic();
    return "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"" + KID + "\",\"use\":\"sig\",\"alg\":\"RS256\",\"n\":\""
        + B64.encodeToString(unsigned(pub.getModulus())) + "\",\"e\":\"" + B64.encodeToString(unsigned(pub.getPublicExponent())) + "\"}]}";
  }

  /** An access token for {@code subject} with role editor and scope mcp, valid for two hours. */
  String token(String issuer, String audience, String subject) throws Exception {
    long now = System.currentTimeMillis() / 1000;
    String header = "{\"alg\":\"RS256\",\"typ\":\"at+jwt\",\"kid\":\"" + KID + "\"}";
    String claims = "{\"iss\":\"" + issuer + "\",\"sub\":\"" + subject + "\",\"aud\":\"" + audience + "\",\"iat\":" + now
        + ",\"nbf\":" + now + ",\"exp\":" + (now + 7200) + ",\"scope\":\"mcp\",\"roles\":[\"editor\"],\"client_id\":\"portcullis-bench\"}";
    String input = B64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "." + B64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
    Signature signer = Signature.getInstance("SHA256withRSA");
    signer.initSign(keys.getPrivate());
    signer.update(input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + B64.encodeToString(signer.sign());
  }

  private static byte[] unsigned(BigInteger n) {
    byte[] bytes = n.toByteArray();
    if (bytes.length > 1 && bytes[0] == 0) {
      byte[] trimmed = new byte[bytes.length - 1];
      System.arraycopy(bytes, 1, trimmed, 0, trimmed.length);
      return trimmed;
    }
    return bytes;
  }
}
