package io.portcullis.auth.jwt;

import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;

/**
 * The asymmetric JWS algorithms Portcullis can verify (RFC 7518, RFC 8037). {@code none} and the
 * HMAC algorithms are deliberately absent: a gateway holds no shared secret with an identity
 * provider, and HMAC "verified" with a public key is the classic key-confusion attack.
 */
enum JwsAlgorithm {
  RS256("SHA256withRSA", "RSA", null, 0),
  RS384("SHA384withRSA", "RSA", null, 0),
  RS512("SHA512withRSA", "RSA", null, 0),
  PS256("RSASSA-PSS", "RSA", null, 0),
  PS384("RSASSA-PSS", "RSA", null, 0),
  PS512("RSASSA-PSS", "RSA", null, 0),
  ES256("SHA256withECDSAinP1363Format", "EC", "P-256", 64),
  ES384("SHA384withECDSAinP1363Format", "EC", "P-384", 96),
  ES512("SHA512withECDSAinP1363Format", "EC", "P-521", 132),
  EdDSA("Ed25519", "OKP", "Ed25519", 64);

  private final String jcaName;
  private final String keyType;
  private final String curve;
  private final int signatureLength;

  JwsAlgorithm(String jcaName, String keyType, String curve, int signatureLength) {
    this.jcaName = jcaName;
    this.keyType = keyType;
    this.curve = curve;
    this.signatureLength = signatureLength;
  }

  /** The algorithm a JWS header names, or null when Portcullis never verifies it. */
  static JwsAlgorithm named(String name) {
    for (JwsAlgorithm a : values()) {
      if (a.name().equals(name)) {
        return a;
      }
    }
    return null;
  }

  /** The JWK {@code kty} of keys for this algorithm. */
  String keyType() {
    return keyType;
  }

  /** The JWK {@code crv} keys must have, or null for RSA. */
  String curve() {
    return curve;
  }

  /** The exact signature length in bytes, or 0 when it depends on the key (RSA). */
  int signatureLength() {
    return signatureLength;
  }

  Signature newVerifier() throws GeneralSecurityException {
    Signature signature = Signature.getInstance(jcaName);
    if (jcaName.equals("RSASSA-PSS")) {
      String hash = "SHA-" + name().substring(2);
      int saltLength = Integer.parseInt(name().substring(2)) / 8;
      signature.setParameter(new PSSParameterSpec(hash, "MGF1", new MGF1ParameterSpec(hash), saltLength, 1));
    }
    return signature;
  }
}
