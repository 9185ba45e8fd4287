package io.portcullis.auth.jwt;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OIDC identity provider on loopback, as far as a resource server sees one: the discovery
 * document at {@code /.well-known/openid-configuration} and a JWKS at {@code /jwks}. A test
 * publishes the keys (rotation is publishing another set), counts the fetches, makes the JWKS
 * answer an error, and stops and restarts the server on the same port to simulate an outage.
 */
final class OidcServer {
  private final Vertx vertx;
  private final AtomicInteger jwksFetches = new AtomicInteger();
  private final AtomicInteger discoveryFetches = new AtomicInteger();
  private volatile List<SigningKey> keys = List.of();
  private volatile int jwksStatus = 200;
  private volatile String advertisedIssuer;
  private HttpServer server;
  private int port;

  private OidcServer(Vertx vertx) {
    this.vertx = vertx;
  }

  static OidcServer start(Vertx vertx, SigningKey... keys) throws Exception {
    OidcServer idp = new OidcServer(vertx);
    idp.publish(keys);
    idp.listen(0);
    return idp;
  }

  String issuer() {
    return "http://127.0.0.1:" + port;
  }

  String jwksUri() {
    return issuer() + "/jwks";
  }

  /** Serves exactly these keys from now on. */
  void publish(SigningKey... published) {
    keys = List.of(published);
  }

  /** Makes the JWKS answer this status (200 restores it). */
  void answerJwksWith(int status) {
    jwksStatus = status;
  }

  /** Makes the discovery document name this issuer instead of its own. */
  void advertiseIssuer(String issuer) {
    advertisedIssuer = issuer;
  }

  int jwksFetches() {
    return jwksFetches.get();
  }

  int discoveryFetches() {
    return discoveryFetches.get();
  }

  void stop() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  void restart() throws Exception {
    listen(port);
  }

  private void listen(int wanted) throws Exception {
    server = vertx.createHttpServer().requestHandler(this::handle).listen(wanted, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    port = server.actualPort();
  }

  private void handle(HttpServerRequest request) {
    switch (request.path()) {
      case "/.well-known/openid-configuration" -> {
        discoveryFetches.incrementAndGet();
        json(request, 200, new JsonObject()
            .put("issuer", advertisedIssuer == null ? issuer() : advertisedIssuer)
            .put("jwks_uri", jwksUri())
            .put("authorization_endpoint", issuer() + "/authorize")
            .put("token_endpoint", issuer() + "/token")
            // What OIDC discovery requires of a real provider (the SDK's discovery validates it).
            .put("response_types_supported", new JsonArray().add("code"))
            .put("subject_types_supported", new JsonArray().add("public"))
            .put("id_token_signing_alg_values_supported", new JsonArray().add("RS256"))
            .put("grant_types_supported", new JsonArray().add("authorization_code_with_pkce").add("refresh_token"))
            .put("code_challenge_methods_supported", new JsonArray().add("S256")));
      }
      case "/jwks" -> {
        jwksFetches.incrementAndGet();
        JsonArray set = new JsonArray();
        keys.forEach(k -> set.add(k.jwk()));
        json(request, jwksStatus, jwksStatus == 200 ? new JsonObject().put("keys", set) : new JsonObject().put("error", "down"));
      }
      default -> request.response().setStatusCode(404).end();
    }
  }

  private static void json(HttpServerRequest request, int status, JsonObject body) {
    request.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
