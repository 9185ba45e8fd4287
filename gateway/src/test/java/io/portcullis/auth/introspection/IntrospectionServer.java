package io.portcullis.auth.introspection;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * An RFC 7662 introspection endpoint on loopback at {@code /introspect}: it authenticates its
 * client with HTTP Basic (401 otherwise), answers registered tokens with their claims and any other
 * token with {@code active: false}, and records what it received. It can be made slow, silent (it
 * never answers) and stopped.
 */
final class IntrospectionServer {
  /** One request as the endpoint saw it. */
  record Received(String authorization, String contentType, Map<String, String> form) {
  }

  static final String CLIENT_ID = "portcullis";
  static final String CLIENT_SECRET = "s3cr3t:+/";

  private final Map<String, JsonObject> tokens = new ConcurrentHashMap<>();
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private volatile boolean silent;
  private volatile long delayMillis;
  private Vertx vertx;
  private HttpServer server;

  static IntrospectionServer start(Vertx vertx) throws Exception {
    IntrospectionServer endpoint = new IntrospectionServer();
    endpoint.vertx = vertx;
    endpoint.server = vertx.createHttpServer().requestHandler(endpoint::handle).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return endpoint;
  }

  String url() {
    return "http://127.0.0.1:" + server.actualPort() + "/introspect";
  }

  /** Answers {@code token} with these claims ({@code active: true} is added unless given). */
  void register(String token, JsonObject claims) {
    JsonObject answer = claims.copy();
    if (!answer.containsKey("active")) {
      answer.put("active", true);
    }
    tokens.put(token, answer);
  }

  void goSilent() {
    silent = true;
  }

  /** Answers every request {@code millis} after it arrives, as a busy authorization server would. */
  void answerAfter(long millis) {
    delayMillis = millis;
  }

  List<Received> received() {
    return List.copyOf(received);
  }

  void stop() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private void handle(HttpServerRequest request) {
    request.setExpectMultipart(true);
    request.endHandler(v -> {
      Map<String, String> form = new ConcurrentHashMap<>();
      request.formAttributes().forEach(e -> form.put(e.getKey(), e.getValue()));
      received.add(new Received(request.getHeader("Authorization"), request.getHeader("Content-Type"), Map.copyOf(form)));
      if (silent) {
        return;
      }
      if (!request.path().equals("/introspect") || !clientAuthenticated(request.getHeader("Authorization"))) {
        request.response().setStatusCode(401).putHeader("Content-Type", "application/json").end("{\"error\":\"invalid_client\"}");
        return;
      }
      JsonObject answer = tokens.getOrDefault(form.getOrDefault("token", ""), new JsonObject().put("active", false));
      if (delayMillis > 0) {
        vertx.setTimer(delayMillis, t -> request.response().putHeader("Content-Type", "application/json").end(answer.encode()));
      } else {
        request.response().putHeader("Content-Type", "application/json").end(answer.encode());
      }
    });
  }

  private static boolean clientAuthenticated(String authorization) {
    if (authorization == null || !authorization.startsWith("Basic ")) {
      return false;
    }
    String decoded = new String(Base64.getDecoder().decode(authorization.substring(6)), StandardCharsets.UTF_8);
    int colon = decoded.indexOf(':');
    return colon > 0
        && java.net.URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8).equals(CLIENT_ID)
        && java.net.URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8).equals(CLIENT_SECRET);
  }
}
