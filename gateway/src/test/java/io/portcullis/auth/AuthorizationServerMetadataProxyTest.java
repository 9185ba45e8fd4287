package io.portcullis.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.Sha256;
import io.portcullis.testing.RecordingMcpServer;
import io.portcullis.testing.RunningGateway;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The external authorization server's metadata as the gateway serves it to clients, fetched from
 * an authorization server on loopback whose issuer has a path (as Keycloak's realms do) and which
 * serves its document only where the test puts it.
 */
class AuthorizationServerMetadataProxyTest {
  static final ObjectMapper JSON = new ObjectMapper();

  Vertx vertx;
  HttpServer authorizationServer;
  final Map<String, JsonObject> documents = new ConcurrentHashMap<>();
  final AtomicInteger requests = new AtomicInteger();
  RecordingMcpServer backend;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    authorizationServer = vertx.createHttpServer().requestHandler(request -> {
      requests.incrementAndGet();
      JsonObject document = documents.get(request.path());
      if (document == null) {
        request.response().setStatusCode(404).end();
      } else {
        request.response().putHeader("Content-Type", "application/json").end(document.encode());
      }
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    backend = RecordingMcpServer.start();
  }

  @AfterEach
  void stop() throws Exception {
    backend.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  String issuer() {
    return "http://127.0.0.1:" + authorizationServer.actualPort() + "/realms/acme";
  }

  JsonObject documentNaming(String issuer) {
    return new JsonObject().put("issuer", issuer).put("authorization_endpoint", issuer + "/protocol/openid-connect/auth")
        .put("token_endpoint", issuer + "/protocol/openid-connect/token");
  }

  RunningGateway gateway() throws Exception {
    return RunningGateway.start("""
        server: {port: 0}
        auth:
          allowPrivateTargets: true
          externalAuthorizationServer: {issuer: "%s"}
          providers:
            - static:
                tokens:
                  - {sha256: "%s", subject: alice}
        backends:
          - name: recorder
            http: {url: "%s"}
        """.formatted(issuer(), Sha256.hex("a-token-that-is-long-enough"), backend.url()));
  }

  static HttpResponse<String> probe(RunningGateway gateway) throws Exception {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + gateway.port() + "/.well-known/oauth-authorization-server/mcp")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anIssuerWithAPathIsFoundWhereOidcDiscoveryAppendsTheWellKnownSegment() throws Exception {
    documents.put("/realms/acme/.well-known/openid-configuration", documentNaming(issuer()));

    try (RunningGateway gateway = gateway()) {
      HttpResponse<String> response = probe(gateway);

      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      JsonNode served = JSON.readTree(response.body());
      assertThat(served.get("issuer").asText()).isEqualTo(issuer());
      assertThat(served.get("token_endpoint").asText()).isEqualTo(issuer() + "/protocol/openid-connect/token");
    }
  }

  @Test
  void aDocumentNamingAnotherIssuerIsNeverServed() throws Exception {
    // RFC 8414 §3.3: it would send the client's sign-in and its code to whoever it names.
    documents.put("/.well-known/oauth-authorization-server/realms/acme", documentNaming("https://elsewhere.example.com"));

    try (RunningGateway gateway = gateway()) {
      HttpResponse<String> response = probe(gateway);

      assertThat(response.statusCode()).isEqualTo(502);
      assertThat(response.body()).doesNotContain("elsewhere.example.com");
    }
  }

  @Test
  void probesWhileTheAuthorizationServerFailsDoNotFetchAgainEachTime() throws Exception {
    try (RunningGateway gateway = gateway()) {
      for (int i = 0; i < 10; i++) {
        assertThat(probe(gateway).statusCode()).isEqualTo(502);
      }

      assertThat(requests.get()).as("one round of the three places the document may be").isEqualTo(3);
    }
  }
}
