package io.portcullis.routing;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.config.ClientCredentialsConfig;
import io.portcullis.mcp.JsonRpcCodec;
import io.portcullis.pipeline.Failure;
import io.portcullis.pipeline.GatewayException;
import io.portcullis.pipeline.SharedWork;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access token the gateway uses for one backend, obtained with the OAuth 2 client
 * credentials grant. A token is used until {@code refreshBefore} ahead of its expiry, then a new
 * one is fetched; concurrent requests share one fetch. Tokens are never logged.
 */
final class ClientCredentialsTokens {
  private static final Logger LOG = LoggerFactory.getLogger(ClientCredentialsTokens.class);
  private static final long DEFAULT_LIFETIME_MILLIS = 3_600_000;

  private record Token(String value, long refreshAtMillis) {
  }

  private final Vertx vertx;
  private final String backend;
  private final ClientCredentialsConfig config;
  private final HttpClient client;
  private Token token;
  private Future<String> fetching;

  ClientCredentialsTokens(Vertx vertx, String backend, ClientCredentialsConfig config) {
    this.vertx = vertx;
    this.backend = backend;
    this.config = config;
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setConnectTimeout(5_000)
        .setSsl(config.tokenUrl().startsWith("https:")));
  }

  /** A token valid for a while yet: the cached one, or a fresh one. Fails with BACKEND_UNAVAILABLE if none can be had. */
  synchronized Future<String> current() {
    if (token != null && System.currentTimeMillis() < token.refreshAtMillis()) {
      return Future.succeededFuture(token.value());
    }
    Future<String> shared = fetching;
    if (shared == null) {
      Future<String> started = fetch();
      shared = started;
      fetching = started;
      // Clears it at once if the fetch failed at once (the request could not even be made).
      started.onComplete(r -> {
        synchronized (this) {
          if (fetching == started) {
            fetching = null;
          }
        }
      });
    }
    return SharedWork.forCaller(shared);
  }

  /** The backend refused {@code used}: the next {@link #current()} fetches another. */
  synchronized void rejected(String used) {
    if (token != null && token.value().equals(used)) {
      token = null;
    }
  }

  Future<Void> close() {
    return client.close();
  }

  private Future<String> fetch() {
    StringBuilder form = new StringBuilder("grant_type=client_credentials");
    if (config.scope() != null) {
      form.append("&scope=").append(URLEncoder.encode(config.scope(), StandardCharsets.UTF_8));
    }
    if (config.audience() != null) {
      form.append("&audience=").append(URLEncoder.encode(config.audience(), StandardCharsets.UTF_8));
    }
    String basic = Base64.getEncoder().encodeToString((URLEncoder.encode(config.clientId(), StandardCharsets.UTF_8) + ":"
        + URLEncoder.encode(config.clientSecret(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(config.tokenUrl()).setIdleTimeout(10_000)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/x-www-form-urlencoded")
        .putHeader(HttpHeaders.ACCEPT, "application/json")
        .putHeader(HttpHeaders.AUTHORIZATION, "Basic " + basic);
    long requestedAt = System.currentTimeMillis();
    return client.request(options)
        .compose(request -> request.send(Buffer.buffer(form.toString())))
        .compose(response -> response.body().map(body -> {
          if (response.statusCode() != 200) {
            throw new IllegalStateException("the token endpoint answered HTTP " + response.statusCode());
          }
          return parse(body, requestedAt);
        }))
        .recover(e -> {
          LOG.warn("backend '{}': cannot get a client-credentials token from {}: {}", backend, config.tokenUrl(), e.getMessage());
          return Future.failedFuture(new GatewayException(Failure.BACKEND_UNAVAILABLE,
              "backend '" + backend + "' is unavailable: the gateway could not get its credentials"));
        });
  }

  private String parse(Buffer body, long requestedAt) {
    JsonNode answer;
    try {
      answer = JsonRpcCodec.mapper().readTree(body.getBytes());
    } catch (Exception e) {
      throw new IllegalStateException("the token endpoint answered something other than JSON");
    }
    if (answer == null || !answer.path("access_token").isTextual() || answer.get("access_token").asText().isEmpty()) {
      throw new IllegalStateException("the token endpoint's answer has no access_token");
    }
    String type = answer.path("token_type").asText("Bearer");
    if (!type.equalsIgnoreCase("bearer")) {
      throw new IllegalStateException("the token endpoint issued a " + type + " token; only Bearer is supported");
    }
    // Some providers send expires_in as a string of digits.
    JsonNode expiresIn = answer.path("expires_in");
    long lifetime = expiresIn.canConvertToLong() || expiresIn.isTextual() && expiresIn.asText().matches("[0-9]{1,9}")
        ? expiresIn.asLong() * 1000 : DEFAULT_LIFETIME_MILLIS;
    long margin = Math.min(config.refreshBefore().toMillis(), lifetime / 2);
    Token fresh = new Token(answer.get("access_token").asText(), requestedAt + lifetime - margin);
    synchronized (this) {
      token = fresh;
    }
    LOG.debug("backend '{}': client-credentials token obtained, valid {} s", backend, lifetime / 1000);
    return fresh.value();
  }
}
