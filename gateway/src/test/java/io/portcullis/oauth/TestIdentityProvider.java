package io.portcullis.oauth;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A company identity provider on loopback that lets no MCP client register, as far as Portcullis
 * sees one when it bridges to it: OIDC discovery, a JWKS with an RSA key, /authorize that signs in
 * whichever user the test chose (immediately redirecting back with a code) and /token that checks
 * the confidential client's secret, the redirect URI and PKCE before answering an RS256 ID token
 * carrying the sign-in's nonce. Tests can make /authorize answer an error instead.
 */
final class TestIdentityProvider implements AutoCloseable {
  static final String CLIENT_ID = "portcullis-at-idp";
  static final String CLIENT_SECRET = "idp-client-secret-for-portcullis";

  private record Pending(String redirectUri, String nonce, String challenge) {
  }

  private final Vertx vertx = Vertx.vertx();
  private final KeyPair key;
  private final Map<String, Pending> codes = new ConcurrentHashMap<>();
  private final AtomicInteger tokenRequests = new AtomicInteger();
  private volatile String user = "alice@example.com";
  private volatile List<String> groups = List.of();
  private volatile String authorizeError;
  private volatile boolean wrongNonce;
  private HttpServer server;

  private TestIdentityProvider() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    key = generator.generateKeyPair();
  }

  static TestIdentityProvider start() throws Exception {
    TestIdentityProvider idp = new TestIdentityProvider();
    idp.server = idp.vertx.createHttpServer().requestHandler(idp::handle).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return idp;
  }

  String issuer() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  /** The next sign-ins are this user, in these groups. */
  void signsIn(String subject, String... inGroups) {
    user = subject;
    groups = List.of(inGroups);
  }

  /** Makes /authorize redirect back with this error (null: sign in normally). */
  void refusesWith(String error) {
    authorizeError = error;
  }

  /** Makes the ID tokens carry another nonce than the sign-in's (a replayed ID token), or not. */
  void answersWithAnotherNonce(boolean another) {
    wrongNonce = another;
  }

  int tokenRequests() {
    return tokenRequests.get();
  }

  private void handle(HttpServerRequest request) {
    switch (request.path()) {
      case "/.well-known/openid-configuration" -> json(request, 200, new JsonObject()
          .put("issuer", issuer()).put("authorization_endpoint", issuer() + "/authorize")
          .put("token_endpoint", issuer() + "/token").put("jwks_uri", issuer() + "/jwks")
          .put("response_types_supported", new JsonArray().add("code"))
          .put("subject_types_supported", new JsonArray().add("public"))
          .put("id_token_signing_alg_values_supported", new JsonArray().add("RS256")));
      case "/jwks" -> {
        RSAPublicKey pub = (RSAPublicKey) key.getPublic();
        json(request, 200, new JsonObject().put("keys", new JsonArray().add(new JsonObject().put("kty", "RSA").put("kid", "idp-1")
            .put("use", "sig").put("alg", "RS256").put("n", b64(unsigned(pub.getModulus()))).put("e", b64(unsigned(pub.getPublicExponent()))))));
      }
      case "/authorize" -> authorize(request);
      case "/token" -> request.body().onSuccess(body -> token(request, body.toString()));
      default -> request.response().setStatusCode(404).end();
    }
  }

  private void authorize(HttpServerRequest request) {
    String redirect = request.getParam("redirect_uri");
    String state = request.getParam("state");
    if (authorizeError != null) {
      redirect(request, redirect + "?error=" + authorizeError + "&state=" + enc(state));
      return;
    }
    if (!CLIENT_ID.equals(request.getParam("client_id")) || !"S256".equals(request.getParam("code_challenge_method"))
        || request.getParam("nonce") == null) {
      request.response().setStatusCode(400).end("bad authorization request");
      return;
    }
    String code = UUID.randomUUID().toString();
    codes.put(code, new Pending(redirect, request.getParam("nonce"), request.getParam("code_challenge")));
    redirect(request, redirect + "?code=" + code + "&state=" + enc(state));
  }

  private void token(HttpServerRequest request, String body) {
    tokenRequests.incrementAndGet();
    Map<String, String> form = new java.util.HashMap<>();
    Arrays.stream(body.split("&")).map(p -> p.split("=", 2)).forEach(p ->
        form.put(java.net.URLDecoder.decode(p[0], StandardCharsets.UTF_8), p.length > 1 ? java.net.URLDecoder.decode(p[1], StandardCharsets.UTF_8) : ""));
    String expectedBasic = "Basic " + Base64.getEncoder().encodeToString((CLIENT_ID + ":" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
    Pending pending = codes.remove(String.valueOf(form.get("code")));
    if (!expectedBasic.equals(request.getHeader("Authorization"))) {
      json(request, 401, new JsonObject().put("error", "invalid_client"));
    } else if (pending == null || !pending.redirectUri().equals(form.get("redirect_uri"))
        || !pending.challenge().equals(s256(form.get("code_verifier")))) {
      json(request, 400, new JsonObject().put("error", "invalid_grant"));
    } else {
      long now = System.currentTimeMillis() / 1000;
      JsonObject claims = new JsonObject().put("iss", issuer()).put("aud", CLIENT_ID).put("sub", user).put("email", user)
          .put("groups", new JsonArray(groups)).put("nonce", wrongNonce ? "replayed" : pending.nonce()).put("iat", now).put("exp", now + 300);
      json(request, 200, new JsonObject().put("access_token", "idp-access").put("token_type", "Bearer").put("id_token", sign(claims)));
    }
  }

  private String sign(JsonObject claims) {
    try {
      String input = b64(new JsonObject().put("alg", "RS256").put("kid", "idp-1").put("typ", "JWT").encode().getBytes(StandardCharsets.UTF_8))
          + "." + b64(claims.encode().getBytes(StandardCharsets.UTF_8));
      Signature rsa = Signature.getInstance("SHA256withRSA");
      rsa.initSign(key.getPrivate());
      rsa.update(input.getBytes(StandardCharsets.US_ASCII));
      return input + "." + b64(rsa.sign());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String s256(String verifier) {
    try {
      return verifier == null ? "" : b64(MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] unsigned(BigInteger value) {
    byte[] bytes = value.toByteArray();
    return bytes[0] == 0 ? Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
  }

  private static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static String enc(String value) {
    return value == null ? "" : URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static void redirect(HttpServerRequest request, String location) {
    request.response().setStatusCode(302).putHeader("Location", location).end();
  }

  private static void json(HttpServerRequest request, int status, JsonObject body) {
    request.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
