package io.portcullis.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.RecordingMcpServer;
import io.portcullis.testing.RunningGateway;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients known by a client ID metadata document instead of a registration: the client_id is an
 * https URL (here a loopback TLS server for "localhost", trusted through the JVM's trust store for
 * this class) whose document the gateway fetches from an allowed host, checks, and uses for the
 * whole code flow. Documents from other hosts, naming another client, or listing a redirect URI the
 * operator does not allow are refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientMetadataDocumentTest {
  private static final String[] TRUST_PROPERTIES = {"javax.net.ssl.trustStore", "javax.net.ssl.trustStorePassword",
      "javax.net.ssl.trustStoreType"};

  @TempDir
  static Path dir;
  final Vertx vertx = Vertx.vertx();
  final AtomicInteger fetches = new AtomicInteger();
  final Map<String, String> savedTrust = new java.util.HashMap<>();
  HttpServer documents;
  RecordingMcpServer backend;
  RunningGateway gateway;
  OAuthBrowser browser;

  @BeforeAll
  void start() throws Exception {
    SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
    trustOnly(certificate);
    documents = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setKeyCertOptions(certificate.keyCertOptions()))
        .requestHandler(request -> {
          fetches.incrementAndGet();
          String self = "https://localhost:" + documents.actualPort() + request.path();
          JsonObject doc = new JsonObject().put("client_id", self).put("client_name", "Document Client")
              .put("redirect_uris", new JsonArray().add("http://127.0.0.1:7777/callback")).put("token_endpoint_auth_method", "none");
          switch (request.path()) {
            case "/other-id.json" -> doc.put("client_id", "https://localhost:" + documents.actualPort() + "/client.json");
            case "/bad-redirect.json" -> doc.put("redirect_uris", new JsonArray().add("https://evil.example.net/cb"));
            default -> { }
          }
          request.response().putHeader("Content-Type", "application/json").end(doc.encode());
        })
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    backend = RecordingMcpServer.start();
    gateway = RunningGateway.start("""
        server: {port: 0}
        auth:
          allowPrivateTargets: true
          oauthServer:
            enabled: true
            signingKeys: [{kid: k1, secret: "test-signing-key-with-at-least-32-bytes"}]
            redirectUris: ["http://127.0.0.1/*"]
            trustedProxy: {trustedCidrs: ["127.0.0.1/32"]}
            injectedRoles: [editor]
            clientMetadataHosts: [localhost]
            stateFile: "%s"
          providers:
            - oauth-as: {}
        backends:
          - name: recorder
            http: {url: "%s"}
        """.formatted(dir.resolve("state.json"), backend.url()));
    browser = new OAuthBrowser("http://127.0.0.1:" + gateway.port());
  }

  /** The JVM's default trust store, for this class: only the documents server's certificate. */
  private void trustOnly(SelfSignedCertificate certificate) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    try (InputStream pem = Files.newInputStream(Path.of(certificate.certificatePath()))) {
      store.setCertificateEntry("documents", CertificateFactory.getInstance("X.509").generateCertificate(pem));
    }
    Path file = dir.resolve("trust.p12");
    try (var out = Files.newOutputStream(file)) {
      store.store(out, "changeit".toCharArray());
    }
    for (String property : TRUST_PROPERTIES) {
      savedTrust.put(property, System.getProperty(property));
    }
    System.setProperty("javax.net.ssl.trustStore", file.toString());
    System.setProperty("javax.net.ssl.trustStorePassword", "changeit");
    System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
  }

  @AfterAll
  void stop() throws Exception {
    gateway.close();
    backend.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    savedTrust.forEach((property, value) -> {
      if (value == null) {
        System.clearProperty(property);
      } else {
        System.setProperty(property, value);
      }
    });
  }

  private String url(String path) {
    return "https://localhost:" + documents.actualPort() + path;
  }

  @Test
  void aClientKnownByItsDocumentCompletesTheCodeFlowWithoutRegistering() throws Exception {
    OAuthBrowser.Client client = new OAuthBrowser.Client(url("/client.json"), null, "http://127.0.0.1:7777/callback");
    OAuthBrowser.Pkce pkce = OAuthBrowser.Pkce.create();
    OAuthBrowser.Consent consent = browser.consentPage(OAuthBrowser.authorizeParams(client, pkce, "s1"), "alice@example.com");
    assertThat(consent.page().body()).contains("Document Client");
    HttpResponse<String> approved = browser.answerConsent(consent.request(), consent.csrf(), consent.cookie(), "approve",
        "alice@example.com");
    String code = OAuthBrowser.redirectQuery(approved).get("code");

    OAuthBrowser.Tokens tokens = OAuthBrowser.tokens(browser.token(OAuthBrowser.codeForm(client, code, pkce)));
    assertThat(tokens.access()).isNotBlank();
    assertThat(browser.initialize(tokens.access()).statusCode()).isEqualTo(200);
    assertThat(OAuthBrowser.json(browser.token(OAuthBrowser.refreshForm(client, tokens.refresh()))).has("access_token")).isTrue();
    java.net.http.HttpResponse<String> metadata = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
        java.net.URI.create(browser.base() + "/.well-known/oauth-authorization-server")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(OAuthBrowser.json(metadata).get("client_id_metadata_document_supported").asBoolean()).isTrue();
  }

  @Test
  void aClientKnownByItsDocumentCanRevokeBeforeTheGatewayHasFetchedIt() throws Exception {
    // A document this gateway never fetched stands for one whose cached copy expired (after 5 minutes).
    OAuthBrowser.Client client = new OAuthBrowser.Client(url("/revoking-client.json"), null, "http://127.0.0.1:7777/callback");
    int before = fetches.get();

    HttpResponse<String> revoked = browser.revoke(client, "a-token-this-server-never-issued");

    assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);
    assertThat(fetches.get()).as("the document was fetched for /revoke").isGreaterThan(before);
  }

  @Test
  void documentsThatCannotBeUsedAreRefusedOnAPage() throws Exception {
    OAuthBrowser.Pkce pkce = OAuthBrowser.Pkce.create();
    Map<String, String> expected = Map.of(
        "/other-id.json", "names another client_id",
        "/bad-redirect.json", "lists a redirect URI that is not allowed");
    for (var entry : expected.entrySet()) {
      OAuthBrowser.Client client = new OAuthBrowser.Client(url(entry.getKey()), null, "http://127.0.0.1:7777/callback");
      HttpResponse<String> page = browser.authorize(OAuthBrowser.authorizeParams(client, pkce, "s"), Map.of("X-Forwarded-User", "alice"));
      assertThat(page.statusCode()).as(entry.getKey()).isEqualTo(400);
      assertThat(page.body()).as(entry.getKey()).contains(entry.getValue());
      assertThat(page.headers().firstValue("Location")).isEmpty();
    }
    int before = fetches.get();
    OAuthBrowser.Client elsewhere = new OAuthBrowser.Client("https://127.0.0.1:" + documents.actualPort() + "/client.json", null,
        "http://127.0.0.1:7777/callback");
    HttpResponse<String> page = browser.authorize(OAuthBrowser.authorizeParams(elsewhere, pkce, "s"), Map.of("X-Forwarded-User", "alice"));
    assertThat(page.statusCode()).isEqualTo(400);
    assertThat(page.body()).contains("not accepted from 127.0.0.1");
    assertThat(fetches.get()).as("a document from a host not allowed is never fetched").isEqualTo(before);
  }
}
