package io.portcullis.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.Sha256;
import io.portcullis.config.ConfigException;
import io.portcullis.config.ConfigLoader;
import io.portcullis.testing.McpHttp;
import io.portcullis.testing.RecordingMcpServer;
import io.portcullis.testing.RunningGateway;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Authentication of /mcp over real sockets: the chain with static and forwarded providers, what
 * clients are told on 401 and in the protected resource metadata, and sessions bound to their
 * principal. Every refusal is checked to have reached no backend.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthenticationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ALICE = "alice-token-0123456789abcdef";
  static final String BOB = "bob-token-0123456789abcdef";
  static final String TOOLS_LIST = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}";

  RecordingMcpServer backend;
  RunningGateway gateway;
  McpHttp mcp;

  static String sha256(String token) {
    return Sha256.hex(token);
  }

  @BeforeAll
  void start() throws Exception {
    backend = RecordingMcpServer.start();
    gateway = RunningGateway.start("""
        server: {port: 0}
        auth:
          authorizationServers: [https://idp.example.com]
          scopesSupported: [mcp]
          providers:
            - static:
                tokens:
                  - {sha256: "%s", subject: alice, roles: [editor], scopes: [mcp]}
                  - {sha256: "%s", subject: bob}
            - forwarded:
                trustedCidrs: [10.0.0.0/8]
        backends:
          - name: recorder
            http: {url: "%s"}
        """.formatted(sha256(ALICE), sha256(BOB), backend.url()));
    mcp = new McpHttp(gateway.mcpUrl());
  }

  @AfterAll
  void stop() throws Exception {
    gateway.close();
    backend.close();
  }

  @BeforeEach
  void forget() {
    backend.reset();
  }

  String resourceMetadataUrl() {
    return "http://127.0.0.1:" + gateway.port() + "/.well-known/oauth-protected-resource/mcp";
  }

  String openSession(String token) throws Exception {
    HttpResponse<String> init = mcp.post(McpHttp.initializeBody(1)).header("Authorization", "Bearer " + token).send();
    assertThat(init.statusCode()).as(init.body()).isEqualTo(200);
    return init.headers().firstValue("Mcp-Session-Id").orElseThrow();
  }

  @Nested
  class WhatClientsAreToldOn401 {
    @Test
    void aRequestWithoutCredentialsGets401PointingAtTheResourceMetadata() throws Exception {
      HttpResponse<String> response = mcp.post(McpHttp.initializeBody(1)).send();

      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().firstValue("WWW-Authenticate"))
          .hasValue("Bearer resource_metadata=\"" + resourceMetadataUrl() + "\"");
      assertThat(JSON.readTree(response.body()).get("error").asText()).isEqualTo("invalid_token");
      assertThat(backend.received()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "an unknown bearer token, Bearer not-a-known-token-at-all",
        "a malformed Authorization header, Bearer"})
    void aPresentedButInvalidCredentialGets401WithInvalidToken(String name, String authorization) throws Exception {
      HttpResponse<String> response = mcp.post(McpHttp.initializeBody(1)).header("Authorization", authorization).send();

      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().firstValue("WWW-Authenticate"))
          .hasValue("Bearer resource_metadata=\"" + resourceMetadataUrl() + "\", error=\"invalid_token\"");
      assertThat(backend.received()).isEmpty();
    }

    @Test
    void aCredentialInAnotherSchemeGets401WithoutAnErrorCode() throws Exception {
      // RFC 6750 §3.1: a client that tried an authentication method this resource does not take is told how, not that its token is bad.
      HttpResponse<String> response = mcp.post(McpHttp.initializeBody(1)).header("Authorization", "Basic YWxpY2U6c2VjcmV0").send();

      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer resource_metadata=\"" + resourceMetadataUrl() + "\"");
      assertThat(backend.received()).isEmpty();
    }

    @Test
    void aTokenInTheQueryStringIsNeverAcceptedEvenBesideAValidHeader() throws Exception {
      HttpResponse<String> response = new McpHttp(gateway.mcpUrl() + "?access_token=" + ALICE)
          .post(McpHttp.initializeBody(1)).header("Authorization", "Bearer " + ALICE).send();

      assertThat(response.statusCode()).as("RFC 6750 §3.1: invalid_request is a 400").isEqualTo(400);
      assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).contains("error=\"invalid_request\""));
      assertThat(backend.received()).isEmpty();
    }
  }

  @Nested
  class Metrics {
    @Test
    void everyRefusalIsCountedByItsCause() throws Exception {
      double noCredential = authFailures("no_credential");
      double unknownToken = authFailures("unknown_token");

      mcp.post(McpHttp.initializeBody(1)).send();
      mcp.post(McpHttp.initializeBody(1)).header("Authorization", "Bearer nobody-knows-this").send();
      mcp.post(McpHttp.initializeBody(1)).header("Authorization", "Bearer nobody-knows-this-either").send();

      assertThat(authFailures("no_credential")).isEqualTo(noCredential + 1);
      assertThat(authFailures("unknown_token")).isEqualTo(unknownToken + 2);
    }

    double authFailures(String cause) throws Exception {
      // HTTP/1.1 as scrapers speak it: the JDK client's default h2c upgrade once read this answer as HTTP/2 frames in CI.
      String scrape = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + gateway.port() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
      return scrape.lines().filter(l -> l.startsWith("portcullis_auth_failures_total{cause=\"" + cause + "\"}"))
          .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(0);
    }
  }

  @Nested
  class ProtectedResourceMetadataDocument {
    @ParameterizedTest
    @CsvSource({"/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"})
    void isServedAtBothPathsWithTheExactResourceUrl(String path) throws Exception {
      HttpResponse<String> response = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path)).build(), HttpResponse.BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(200);
      JsonNode doc = JSON.readTree(response.body());
      assertThat(doc.get("resource").asText()).isEqualTo(gateway.mcpUrl());
      assertThat(doc.get("authorization_servers")).extracting(JsonNode::asText).containsExactly("https://idp.example.com");
      assertThat(doc.get("scopes_supported")).extracting(JsonNode::asText).containsExactly("mcp");
      assertThat(doc.get("bearer_methods_supported")).extracting(JsonNode::asText).containsExactly("header");
    }
  }

  @Nested
  class Providers {
    @Test
    void aStaticTokenAuthenticatesItsSubject() throws Exception {
      String session = openSession(ALICE);

      HttpResponse<String> listed = mcp.post(TOOLS_LIST).session(session).header("Authorization", "Bearer " + ALICE).send();
      assertThat(listed.statusCode()).isEqualTo(200);
      assertThat(backend.received().get(0).headers().get("Authorization")).as("the client's token stays at the gateway").isNull();
    }

    @Test
    void forwardedHeadersFromAPeerOutsideTheTrustedBlocksAreRejectedWhateverXForwardedForSays() throws Exception {
      HttpResponse<String> response = mcp.post(McpHttp.initializeBody(1))
          .header("X-Forwarded-User", "mallory").header("X-Forwarded-For", "10.1.2.3").send();

      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(backend.received()).isEmpty();
    }

    /** A gateway that believes forwarded headers from loopback, as if a proxy on this host fronted it. */
    RunningGateway behindTrustedProxy() throws Exception {
      return RunningGateway.start("""
          server: {port: 0}
          auth:
            providers:
              - forwarded: {trustedCidrs: [127.0.0.1/32]}
          backends:
            - name: recorder
              http: {url: "%s"}
          """.formatted(backend.url()));
    }

    @Test
    void forwardedHeadersFromATrustedPeerAuthenticateTheNamedUser() throws Exception {
      try (RunningGateway behindProxy = behindTrustedProxy()) {
        McpHttp client = new McpHttp(behindProxy.mcpUrl());
        HttpResponse<String> init = client.post(McpHttp.initializeBody(1)).header("X-Forwarded-User", "carol@example.com")
            .header("X-Forwarded-Groups", "eng, ops").send();
        assertThat(init.statusCode()).isEqualTo(200);

        String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
        HttpResponse<String> asSomeoneElse = client.post(TOOLS_LIST).session(session).header("X-Forwarded-User", "dave@example.com").send();
        assertThat(asSomeoneElse.statusCode()).as("the session belongs to carol").isEqualTo(404);
      }
    }

    @ParameterizedTest(name = "{0} sent twice")
    @ValueSource(strings = {"X-Forwarded-User", "X-Forwarded-Groups", "X-Forwarded-Email"})
    void anIdentityHeaderSentTwiceIsRefusedEvenFromATrustedPeer(String header) throws Exception {
      try (RunningGateway behindProxy = behindTrustedProxy()) {
        // What a proxy that appends its header leaves: the client's value first, the proxy's after it.
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(behindProxy.mcpUrl()))
            .POST(HttpRequest.BodyPublishers.ofString(McpHttp.initializeBody(1)))
            .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
            .header("X-Forwarded-User", "carol@example.com");
        if (header.equals("X-Forwarded-User")) {
          request.header(header, "admin@example.com");
        } else {
          request.header(header, "admins").header(header, "eng");
        }
        HttpResponse<String> response = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(backend.received()).isEmpty();
      }
    }

    @Test
    void anonymousAccessIsOffUnlessConfiguredAndNeverCoversAnInvalidToken() throws Exception {
      try (RunningGateway open = RunningGateway.start("""
          server: {port: 0}
          auth:
            anonymous: {enabled: true, subject: guest}
          backends:
            - name: recorder
              http: {url: "%s"}
          """.formatted(backend.url()))) {
        McpHttp client = new McpHttp(open.mcpUrl());
        assertThat(client.post(McpHttp.initializeBody(1)).send().statusCode()).isEqualTo(200);
        backend.reset();

        HttpResponse<String> withBadToken = client.post(McpHttp.initializeBody(1)).header("Authorization", "Bearer forged").send();
        assertThat(withBadToken.statusCode()).isEqualTo(401);
        assertThat(backend.received()).isEmpty();
      }
    }
  }

  @Nested
  class SessionsAreBoundToTheirPrincipal {
    @Test
    void anotherPrincipalCannotPostToReadTheStreamOfOrDeleteASession() throws Exception {
      String alices = openSession(ALICE);
      backend.reset();
      String bob = "Bearer " + BOB;

      HttpResponse<String> post = mcp.post(TOOLS_LIST).session(alices).header("Authorization", bob).send();
      HttpResponse<String> get = mcp.method("GET").session(alices).header("Accept", "text/event-stream").header("Authorization", bob).send();
      HttpResponse<String> delete = mcp.method("DELETE").session(alices).header("Authorization", bob).send();

      assertThat(post.statusCode()).isEqualTo(404);
      assertThat(get.statusCode()).isEqualTo(404);
      assertThat(delete.statusCode()).isEqualTo(404);
      assertThat(JSON.readTree(post.body()).at("/error/code").asInt()).as("answered like an unknown session").isEqualTo(-32001);
      assertThat(backend.received()).isEmpty();
      assertThat(mcp.post(TOOLS_LIST).session(alices).header("Authorization", "Bearer " + ALICE).send().statusCode())
          .as("alice's session is untouched").isEqualTo(200);
    }
  }

  @Nested
  class SessionBoundFallback {
    @Test
    void isOffByDefault() throws Exception {
      String session = openSession(ALICE);
      HttpResponse<String> tokenless = mcp.post(TOOLS_LIST).session(session).send();

      assertThat(tokenless.statusCode()).isEqualTo(401);
    }

    @Test
    void whenOnLetsANamedClientThatDroppedItsTokenUseItsOwnSessionOnly() throws Exception {
      try (RunningGateway lenient = RunningGateway.start("""
          server: {port: 0}
          auth:
            sessionFallback: {enabled: true, userAgents: ["^DroppyClient/"]}
            providers:
              - static: {tokens: [{sha256: "%s", subject: alice}]}
          backends:
            - name: recorder
              http: {url: "%s"}
          """.formatted(sha256(ALICE), backend.url()))) {
        McpHttp client = new McpHttp(lenient.mcpUrl());
        String session = client.post(McpHttp.initializeBody(1)).header("Authorization", "Bearer " + ALICE)
            .header("User-Agent", "DroppyClient/1.0").send().headers().firstValue("Mcp-Session-Id").orElseThrow();

        assertThat(client.post(TOOLS_LIST).session(session).header("User-Agent", "DroppyClient/1.0").send().statusCode())
            .as("same client, no token").isEqualTo(200);
        assertThat(client.post(TOOLS_LIST).session(session).header("User-Agent", "OtherClient/2.0").send().statusCode())
            .as("a client not named").isEqualTo(401);
        assertThat(client.post(TOOLS_LIST).header("User-Agent", "DroppyClient/1.0").send().statusCode())
            .as("no session named").isEqualTo(401);
        assertThat(client.post(TOOLS_LIST).session(session).header("User-Agent", "DroppyClient/1.0")
            .header("Authorization", "Bearer forged").send().statusCode())
            .as("a bad token is never rescued by the session").isEqualTo(401);
      }
    }
  }

  @Nested
  class StaticTokenConfiguration {
    @Test
    void aPlaintextTokenInTheFileIsRefused() {
      assertThatThrownBy(() -> load("""
          auth: {providers: [{static: {tokens: [{token: "a-plaintext-token-in-the-file", subject: x}]}}]}
          backends: [{name: b, http: {url: "http://127.0.0.1:1/mcp"}}]
          """, Map.of()))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("auth.providers[0].static.tokens[0].token: a plaintext token may only come from the environment");
    }

    @Test
    void aPlaintextTokenFromTheEnvironmentIsAccepted() throws Exception {
      var config = load("""
          auth: {providers: [{static: {tokens: [{token: "${CI_TOKEN}", subject: ci}]}}]}
          backends: [{name: b, http: {url: "http://127.0.0.1:1/mcp"}}]
          """, Map.of("CI_TOKEN", "from-the-environment-0123"));
      assertThat(config.auth().providers().get(0).staticTokens().tokens().get(0).token()).isEqualTo("from-the-environment-0123");
    }

    private io.portcullis.config.PortcullisConfig load(String yaml, Map<String, String> env) throws ConfigException {
      return new ConfigLoader(env::get).load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "(test)");
    }
  }
}
