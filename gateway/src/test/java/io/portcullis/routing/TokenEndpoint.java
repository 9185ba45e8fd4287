package io.portcullis.routing;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * An OAuth 2 token endpoint on loopback at {@code /token} that issues client-credentials tokens
 * of a fixed lifetime to any caller, and records every request and every token it issued, so a
 * test can tell whether a token a backend is shown was issued here and is still valid. It can be
 * made to fail (an HTTP status), to hold its answers until released, and be stopped.
 */
final class TokenEndpoint implements AutoCloseable {
  /** One request as the endpoint saw it. */
  record Request(String method, String path, String authorization, String contentType, Map<String, String> form) {
  }

  /** Every issued token's answer body says this many seconds; the token is valid that long after it is sent. */
  private final int lifetimeSeconds;
  private final Vertx vertx = Vertx.vertx();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final List<String> issued = new CopyOnWriteArrayList<>();
  private final Map<String, Long> expiresAtNanos = new ConcurrentHashMap<>();
  private final Map<String, Long> issuedAtNanos = new ConcurrentHashMap<>();
  private final Set<String> revoked = ConcurrentHashMap.newKeySet();
  private volatile int failingWith;
  private volatile CompletableFuture<Void> held = CompletableFuture.completedFuture(null);
  private HttpServer server;

  private TokenEndpoint(int lifetimeSeconds) {
    this.lifetimeSeconds = lifetimeSeconds;
  }

  static TokenEndpoint start(int lifetimeSeconds) throws Exception {
    TokenEndpoint endpoint = new TokenEndpoint(lifetimeSeconds);
    endpoint.server = endpoint.vertx.createHttpServer().requestHandler(endpoint::handle).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return endpoint;
  }

  String url() {
    return "http://127.0.0.1:" + server.actualPort() + "/token";
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  /** The tokens issued so far, in order. */
  List<String> issued() {
    return List.copyOf(issued);
  }

  String latest() {
    return issued.get(issued.size() - 1);
  }

  /** When (System.nanoTime) the latest token was sent. */
  long latestIssuedAtNanos() {
    return issuedAtNanos.get(latest());
  }

  /** True if {@code authorization} is {@code Bearer <a token issued here, not expired, not revoked>}. */
  boolean accepts(String authorization) {
    if (authorization == null || !authorization.startsWith("Bearer ")) {
      return false;
    }
    String token = authorization.substring("Bearer ".length());
    Long expiry = expiresAtNanos.get(token);
    return expiry != null && System.nanoTime() - expiry < 0 && !revoked.contains(token);
  }

  /** How long the token in {@code authorization} ({@code Bearer <token>}) has left to live; null if it was not issued here. */
  Duration remaining(String authorization) {
    Long expiry = authorization == null || !authorization.startsWith("Bearer ") ? null
        : expiresAtNanos.get(authorization.substring("Bearer ".length()));
    return expiry == null ? null : Duration.ofNanos(expiry - System.nanoTime());
  }

  /** The resource server no longer accepts this token, though it has not expired. */
  void revoke(String token) {
    revoked.add(token);
  }

  /** From now on every request is answered with this status and an error body (which names a token of sorts). */
  void failWith(int status) {
    failingWith = status;
  }

  /** From now on answers wait until {@link #release()}. */
  void hold() {
    held = new CompletableFuture<>();
  }

  void release() {
    held.complete(null);
  }

  /** Closes the listening socket: connections are refused from now on. */
  void stop() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    release();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private void handle(HttpServerRequest request) {
    Context context = Vertx.currentContext();
    request.setExpectMultipart(true);
    request.endHandler(v -> {
      Map<String, String> form = new ConcurrentHashMap<>();
      request.formAttributes().forEach(e -> form.put(e.getKey(), e.getValue()));
      requests.add(new Request(request.method().name(), request.path(), request.getHeader("Authorization"),
          request.getHeader("Content-Type"), Map.copyOf(form)));
      held.whenComplete((ignored, e) -> context.runOnContext(x -> answer(request)));
    });
  }

  private void answer(HttpServerRequest request) {
    int status = failingWith;
    if (status != 0) {
      request.response().setStatusCode(status).putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("error", "server_error").put("error_description", "token-endpoint-canary")
              .put("access_token", "leaked-canary-token").encode());
      return;
    }
    String token = "issued-" + UUID.randomUUID();
    long now = System.nanoTime();
    issuedAtNanos.put(token, now);
    expiresAtNanos.put(token, now + TimeUnit.SECONDS.toNanos(lifetimeSeconds));
    issued.add(token);
    request.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
        .end(new JsonObject().put("access_token", token).put("token_type", "Bearer").put("expires_in", lifetimeSeconds).encode());
  }
}
