package io.portcullis.auth.jwt;

import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * A test identity provider's signing key: a generated key pair, its key id and JWS algorithm, its
 * public JWK, and signing as the algorithm prescribes (ECDSA signatures in the JWS R||S form).
 */
record SigningKey(String kid, String alg, KeyPair pair) {
  /** Key pairs are slow to generate; a handful is made once and reused under different key ids. */
  static final KeyPair RSA_A = generate("RSA", 2048);
  static final KeyPair RSA_B = generate("RSA", 2048);
  static final KeyPair EC_P256 = generateEc();
  static final KeyPair ED25519 = generate("Ed25519", 0);

  static SigningKey rsa(String kid) {
    return new SigningKey(kid, "RS256", RSA_A);
  }

  static SigningKey ec(String kid) {
    return new SigningKey(kid, "ES256", EC_P256);
  }

  SigningKey withAlg(String algorithm) {
    return new SigningKey(kid, algorithm, pair);
  }

  SigningKey withPair(KeyPair other) {
    return new SigningKey(kid, alg, other);
  }

  JsonObject jwk() {
    JsonObject jwk = new JsonObject().put("kid", kid).put("use", "sig").put("alg", alg);
    if (pair.getPublic() instanceof RSAPublicKey rsa) {
      return jwk.put("kty", "RSA").put("n", unsigned(rsa.getModulus())).put("e", unsigned(rsa.getPublicExponent()));
    }
    if (pair.getPublic() instanceof ECPublicKey ec) {
      return jwk.put("kty", "EC").put("crv", "P-256")
          .put("x", fixed(ec.getW().getAffineX(), 32)).put("y", fixed(ec.getW().getAffineY(), 32));
    }
    byte[] encoded = pair.getPublic().getEncoded();
    return jwk.put("kty", "OKP").put("crv", "Ed25519")
        .put("x", b64(Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length)));
  }

  byte[] sign(byte[] input) {
    try {
      Signature signature = switch (alg) {
        case "RS256" -> Signature.getInstance("SHA256withRSA");
        case "RS512" -> Signature.getInstance("SHA512withRSA");
        case "PS256" -> pss();
        case "ES256" -> Signature.getInstance("SHA256withECDSAinP1363Format");
        case "EdDSA" -> Signature.getInstance("Ed25519");
        default -> throw new IllegalArgumentException(alg);
      };
      signature.initSign(pair.getPrivate());
      signature.update(input);
      return signature.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static Signature pss() throws GeneralSecurityException {
    Signature signature = Signature.getInstance("RSASSA-PSS");
    signature.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
    return signature;
  }

  private static String unsigned(BigInteger value) {
    byte[] bytes = value.toByteArray();
    return b64(bytes[0] == 0 ? Arrays.copyOfRange(bytes, 1, bytes.length) : bytes);
  }

  private static String fixed(BigInteger value, int length) {
    byte[] bytes = value.toByteArray();
    byte[] out = new byte[length];
    int copy = Math.min(bytes.length, length);
    System.arraycopy(bytes, bytes.length - copy, out, length - copy, copy);
    return b64(out);
  }

  private static KeyPair generate(String algorithm, int size) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
      if (size > 0) {
        generator.initialize(size);
      }
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair generateEc() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
