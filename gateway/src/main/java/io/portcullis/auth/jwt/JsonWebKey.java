package io.portcullis.auth.jwt;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One public signing key of a JWKS (RFC 7517): RSA (at least 2048 bits), EC on P-256/384/521,
 * or Ed25519. Keys marked for encryption, and keys Portcullis cannot use, are skipped when a set
 * is read. Certificates ({@code x5c}) are not consulted; the key parameters are.
 */
record JsonWebKey(String kid, String kty, String crv, String alg, PublicKey key) {
  private static final Logger LOG = LoggerFactory.getLogger(JsonWebKey.class);
  private static final int MIN_RSA_BITS = 2048;
  private static final byte[] ED25519_X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
  private static final Map<String, String> CURVES = Map.of("P-256", "secp256r1", "P-384", "secp384r1", "P-521", "secp521r1");

  /** Whether this key may verify a signature made with {@code algorithm}. */
  boolean fits(JwsAlgorithm algorithm) {
    return kty.equals(algorithm.keyType())
        && (algorithm.curve() == null || algorithm.curve().equals(crv))
        && (alg == null || alg.equals(algorithm.name()));
  }

  /** A short description for rejection details: kid, type and curve. */
  String describe() {
    return "key '" + kid + "' (" + kty + (crv == null ? "" : " " + crv) + (alg == null ? "" : ", " + alg) + ")";
  }

  /** The usable signing keys of a JWKS document. */
  static List<JsonWebKey> readSet(JsonObject jwks) {
    if (!(jwks.getValue("keys") instanceof JsonArray keys)) {
      throw new IllegalArgumentException("no \"keys\" array");
    }
    List<JsonWebKey> out = new ArrayList<>();
    for (Object item : keys) {
      if (item instanceof JsonObject jwk) {
        try {
          JsonWebKey key = read(jwk);
          if (key != null) {
            out.add(key);
          }
        } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
          LOG.debug("skipping JWK kid={}: {}", jwk.getValue("kid"), e.getMessage());
        }
      }
    }
    return List.copyOf(out);
  }

  private static JsonWebKey read(JsonObject jwk) throws GeneralSecurityException {
    String use = jwk.getString("use");
    if (use != null && !use.equals("sig")) {
      return null;
    }
    String kid = jwk.getString("kid");
    String kty = jwk.getString("kty", "");
    String alg = jwk.getString("alg");
    return switch (kty) {
      case "RSA" -> {
        PublicKey key = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(number(jwk, "n"), number(jwk, "e")));
        if (((RSAPublicKey) key).getModulus().bitLength() < MIN_RSA_BITS) {
          throw new IllegalArgumentException("RSA key shorter than " + MIN_RSA_BITS + " bits");
        }
        yield new JsonWebKey(kid, kty, null, alg, key);
      }
      case "EC" -> {
        String crv = jwk.getString("crv");
        String jcaCurve = CURVES.get(crv);
        if (jcaCurve == null) {
          throw new IllegalArgumentException("unsupported curve " + crv);
        }
        AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
        parameters.init(new ECGenParameterSpec(jcaCurve));
        ECPoint point = new ECPoint(number(jwk, "x"), number(jwk, "y"));
        PublicKey key = KeyFactory.getInstance("EC")
            .generatePublic(new ECPublicKeySpec(point, parameters.getParameterSpec(ECParameterSpec.class)));
        yield new JsonWebKey(kid, kty, crv, alg, key);
      }
      case "OKP" -> {
        if (!"Ed25519".equals(jwk.getString("crv"))) {
          throw new IllegalArgumentException("unsupported curve " + jwk.getString("crv"));
        }
        byte[] x = bytes(jwk, "x");
        if (x.length != 32) {
          throw new IllegalArgumentException("an Ed25519 key has 32 bytes");
        }
        byte[] encoded = new byte[ED25519_X509_PREFIX.length + 32];
        System.arraycopy(ED25519_X509_PREFIX, 0, encoded, 0, ED25519_X509_PREFIX.length);
        System.arraycopy(x, 0, encoded, ED25519_X509_PREFIX.length, 32);
        yield new JsonWebKey(kid, kty, "Ed25519", alg, KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(encoded)));
      }
      default -> null;
    };
  }

  private static BigInteger number(JsonObject jwk, String name) {
    return new BigInteger(1, bytes(jwk, name));
  }

  private static byte[] bytes(JsonObject jwk, String name) {
    String value = jwk.getString(name);
    if (value == null) {
      throw new IllegalArgumentException("no \"" + name + "\"");
    }
    return Base64.getUrlDecoder().decode(value);
  }
}
