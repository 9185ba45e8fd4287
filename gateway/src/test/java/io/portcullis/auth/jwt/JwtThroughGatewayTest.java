package io.portcullis.auth.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.testing.McpHttp;
import io.portcullis.testing.RecordingMcpServer;
import io.portcullis.testing.RunningGateway;
import io.portcullis.testing.TestPeers;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The jwt provider inside a running gateway, against an OIDC provider with real signing keys on
 * loopback: hostile and broken tokens are refused with 401 and reach no backend, an outage of
 * the identity provider is a 503 (never anonymous), and the authorization server's metadata is
 * served at every path clients probe, where the TypeScript SDK's own discovery finds it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JwtThroughGatewayTest {
  static final ObjectMapper JSON = new ObjectMapper();

  Vertx vertx;
  SigningKey key;
  OidcServer idp;
  RecordingMcpServer backend;
  RunningGateway gateway;
  McpHttp mcp;

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    key = SigningKey.rsa("key-1");
    idp = OidcServer.start(vertx, key);
    backend = RecordingMcpServer.start();
    gateway = startGateway();
    mcp = new McpHttp(gateway.mcpUrl());
  }

  RunningGateway startGateway() throws Exception {
    return RunningGateway.start("""
        server: {port: 0}
        auth:
          allowPrivateTargets: true
          externalAuthorizationServer: {issuer: "%s"}
          providers:
            - jwt: {issuer: "%s", requiredScopes: [mcp]}
        backends:
          - name: recorder
            http: {url: "%s"}
        """.formatted(idp.issuer(), idp.issuer(), backend.url()));
  }

  @AfterAll
  void stop() throws Exception {
    gateway.close();
    backend.close();
    idp.stop();
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  @BeforeEach
  void forget() {
    backend.reset();
  }

  static final String TOOLS_LIST = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}";

  TokenMinter valid() {
    Instant now = Instant.now();
    return TokenMinter.signedBy(key).claim("iss", idp.issuer()).claim("aud", gateway.mcpUrl()).claim("sub", "alice@example.com")
        .claim("scope", "mcp tools").claim("iat", now.getEpochSecond()).expiresAt(now.plusSeconds(300));
  }

  HttpResponse<String> initializeWith(String token) throws Exception {
    return mcp.post(McpHttp.initializeBody(1)).header("Authorization", "Bearer " + token).send();
  }

  @Test
  void aValidTokenOpensASessionAsItsSubject() throws Exception {
    HttpResponse<String> response = initializeWith(valid().sign());

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(backend.received()).hasSize(1);
    assertThat(backend.received().get(0).headers().get("Authorization")).isNull();
  }

  Stream<Arguments> hostileTokens() {
    Instant now = Instant.now();
    return Stream.of(
        hostile("an expired token", t -> t.valid().expiresAt(now.minusSeconds(600)).sign()),
        hostile("a token not yet valid", t -> t.valid().claim("nbf", now.plusSeconds(600).getEpochSecond()).sign()),
        hostile("a bad signature", t -> t.valid().signWithCorruptedSignature()),
        hostile("alg none", t -> t.valid().unsigned()),
        hostile("HMAC signed with the public key", t -> t.valid().hmacWithPublicKey()),
        hostile("an unknown kid", t -> t.valid().header("kid", "no-such-key").sign()),
        hostile("another issuer", t -> t.valid().claim("iss", "https://evil.example.com").sign()),
        hostile("another audience", t -> t.valid().claim("aud", "https://other.example.com/mcp").sign()),
        hostile("a token signed by another key under our kid", t -> t.valid().signWith(SigningKey.rsa("key-1").withPair(SigningKey.RSA_B))));
  }

  static Arguments hostile(String name, Function<JwtThroughGatewayTest, String> token) {
    return Arguments.of(name, token);
  }

  @ParameterizedTest(name = "{0} gets 401 invalid_token and reaches no backend")
  @MethodSource("hostileTokens")
  void hostileTokensAreRefused(String name, Function<JwtThroughGatewayTest, String> token) throws Exception {
    HttpResponse<String> response = initializeWith(token.apply(this));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue(
        "Bearer resource_metadata=\"http://127.0.0.1:" + gateway.port() + "/.well-known/oauth-protected-resource/mcp\", error=\"invalid_token\"");
    assertThat(backend.received()).isEmpty();
  }

  @Test
  void aValidTokenWithoutTheRequiredScopeGets403NamingTheScope() throws Exception {
    HttpResponse<String> response = initializeWith(valid().claim("scope", "profile").sign());

    assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer error=\"insufficient_scope\", scope=\"mcp\", "
        + "resource_metadata=\"http://127.0.0.1:" + gateway.port() + "/.well-known/oauth-protected-resource/mcp\"");
    assertThat(JSON.readTree(response.body()).get("error").asText()).isEqualTo("insufficient_scope");
    assertThat(backend.received()).isEmpty();
  }

  @Test
  void theResourceMetadataAdvertisesTheScopeTheProviderRequires() throws Exception {
    // Clients choose the scopes they ask for from scopes_supported: without "mcp" there, they got tokens this gateway refuses.
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + gateway.port() + "/.well-known/oauth-protected-resource/mcp")).build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(JSON.readTree(response.body()).get("scopes_supported")).extracting(JsonNode::asText).containsExactly("mcp");
  }

  @Test
  void theSameSubjectFromAnotherIssuerIsAnotherCallerAndCannotUseTheSession() throws Exception {
    OidcServer otherIdp = OidcServer.start(vertx, SigningKey.rsa("other-key").withPair(SigningKey.RSA_B));
    try (RunningGateway twoIssuers = RunningGateway.start("""
        server: {port: 0}
        auth:
          allowPrivateTargets: true
          providers:
            - jwt: {issuer: "%s"}
            - jwt: {issuer: "%s"}
        backends:
          - name: recorder
            http: {url: "%s"}
        """.formatted(idp.issuer(), otherIdp.issuer(), backend.url()))) {
      McpHttp client = new McpHttp(twoIssuers.mcpUrl());
      String fromFirst = valid().claim("aud", twoIssuers.mcpUrl()).sign();
      String fromSecond = TokenMinter.signedBy(SigningKey.rsa("other-key").withPair(SigningKey.RSA_B))
          .claim("iss", otherIdp.issuer()).claim("aud", twoIssuers.mcpUrl()).claim("sub", "alice@example.com")
          .expiresAt(Instant.now().plusSeconds(300)).sign();
      HttpResponse<String> init = client.post(McpHttp.initializeBody(1)).header("Authorization", "Bearer " + fromFirst).send();
      assertThat(init.statusCode()).as(init.body()).isEqualTo(200);
      String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
      backend.reset();

      HttpResponse<String> sameIssuer = client.post(TOOLS_LIST).session(session).header("Authorization", "Bearer " + fromFirst).send();
      HttpResponse<String> otherIssuer = client.post(TOOLS_LIST).session(session).header("Authorization", "Bearer " + fromSecond).send();

      assertThat(sameIssuer.statusCode()).as(sameIssuer.body()).isEqualTo(200);
      assertThat(otherIssuer.statusCode()).as("the session is alice@example.com of %s's", idp.issuer()).isEqualTo(404);
      assertThat(backend.received()).hasSize(1);
    } finally {
      otherIdp.stop();
    }
  }

  @Test
  void whenTheIdentityProviderIsDownTheAnswerIs503NeverAnonymous() throws Exception {
    idp.stop();
    try (RunningGateway fresh = startGateway()) {
      HttpResponse<String> response = new McpHttp(fresh.mcpUrl()).post(McpHttp.initializeBody(1))
          .header("Authorization", "Bearer " + valid().claim("aud", fresh.mcpUrl()).sign()).send();

      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(JSON.readTree(response.body()).get("error").asText()).isEqualTo("temporarily_unavailable");
      assertThat(backend.received()).isEmpty();
    } finally {
      idp.restart();
    }
  }

  @Nested
  class AuthorizationServerMetadata {
    @Test
    void isServedAtEveryPathClientsProbeAsJson() throws Exception {
      for (String path : List.of("/.well-known/oauth-authorization-server", "/.well-known/oauth-authorization-server/mcp",
          "/.well-known/openid-configuration", "/.well-known/openid-configuration/mcp", "/mcp/.well-known/openid-configuration")) {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).as(path).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).as(path).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonNode doc = JSON.readTree(response.body());
        assertThat(doc.get("issuer").asText()).as(path).isEqualTo(idp.issuer());
        assertThat(doc.get("token_endpoint").asText()).as(path).isEqualTo(idp.issuer() + "/token");
        assertThat(doc.get("grant_types_supported")).as("normalised: %s", path).extracting(JsonNode::asText)
            .contains("authorization_code_with_pkce", "authorization_code");
      }
    }

    @Test
    void theTypeScriptSdksOwnDiscoveryFindsItAfterA401() throws Exception {
      TestPeers.Output output = TestPeers.run(List.of(TestPeers.node(), TestPeers.script("discovery-client.mjs"), gateway.mcpUrl()),
          Map.of(), 60);
      assertThat(output.exitCode()).as(output.stderr()).isZero();
      JsonNode found = JSON.readTree(output.lastLine());

      assertThat(found.get("status").asInt()).isEqualTo(401);
      assertThat(found.get("resourceMetadataUrl").asText())
          .isEqualTo("http://127.0.0.1:" + gateway.port() + "/.well-known/oauth-protected-resource/mcp");
      assertThat(found.get("resource").asText()).isEqualTo(gateway.mcpUrl());
      assertThat(found.get("authorizationServer").asText()).isEqualTo(idp.issuer());
      assertThat(found.get("issuer").asText()).isEqualTo(idp.issuer());
      assertThat(found.get("authorizationEndpoint").asText()).isEqualTo(idp.issuer() + "/authorize");
    }
  }
}
