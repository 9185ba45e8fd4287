package io.portcullis.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.testing.RunningGateway;
import io.portcullis.testing.TestPeers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TypeScript SDK client's own OAuth flow against the built-in authorization server: discovery
 * from the gateway's 401, dynamic registration, /authorize with PKCE and the consent page (the test
 * plays the browser behind the trusted proxy), the code exchange, tools through the gateway as the
 * human the proxy named, and a refresh when the short-lived access token has expired; the same
 * with the Python SDK's client.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OAuthClientFlowTest {
  @TempDir
  static Path state;
  RunningGateway gateway;

  @BeforeAll
  void start() throws Exception {
    gateway = RunningGateway.start("""
        server: {port: 0}
        auth:
          oauthServer:
            enabled: true
            signingKeys: [{kid: k1, secret: "test-signing-key-with-at-least-32-bytes"}]
            accessTokenLifetime: 2s
            redirectUris: ["http://127.0.0.1/*"]
            trustedProxy: {trustedCidrs: ["127.0.0.1/32"]}
            injectedRoles: [editor]
            stateFile: "%s"
          providers:
            - oauth-as: {}
        backends:
          - name: everything
            stdio: {command: %s}
        """.formatted(state.resolve("oauth-state.json"), TestPeers.yamlList(TestPeers.serverEverythingStdio())));
  }

  @AfterAll
  void stop() throws Exception {
    gateway.close();
  }

  @Test
  void theSdkClientRegistersIsAuthorizedCallsToolsAndRefreshes() throws Exception {
    TestPeers.Output output = TestPeers.run(List.of(TestPeers.node(), TestPeers.script("oauth-client.mjs"), gateway.mcpUrl(),
        "--user", "alice@example.com", "--groups", "eng", "--wait-ms", "2500"), Map.of(), 90);
    assertThat(output.exitCode()).as("oauth-client stderr:\n%s", output.stderr()).isZero();
    JsonNode result = new ObjectMapper().readTree(output.lastLine());

    assertThat(result.get("registered").asBoolean()).isTrue();
    assertThat(result.get("consentStatus").asInt()).isEqualTo(302);
    assertThat(result.get("redirectedWith").toString()).contains("code", "iss");
    assertThat(result.get("tools").toString()).contains("echo");
    assertThat(result.get("echo").asText()).isEqualTo("Echo: through oauth");
    assertThat(result.get("echoAfterWait").asText()).as("a call after the access token expired").isEqualTo("Echo: after refresh");
    assertThat(result.get("tokensSaved").asInt()).as("tokens from the code, then from a refresh").isGreaterThanOrEqualTo(2);
    String persisted = Files.readString(state.resolve("oauth-state.json"));
    assertThat(persisted).contains("portcullis-oauth-test").doesNotContain("refresh_token");
  }

  @Test
  void thePythonSdkClientRegistersIsAuthorizedCallsToolsAndRefreshes() throws Exception {
    TestPeers.Output output = TestPeers.run(List.of(TestPeers.python(), TestPeers.pythonScript("oauth_client.py"), gateway.mcpUrl(),
        "--user", "bob@example.com", "--wait-s", "2.5"), Map.of(), 90);
    assertThat(output.exitCode()).as("oauth_client.py stderr:\n%s", output.stderr()).isZero();
    JsonNode result = new ObjectMapper().readTree(output.lastLine());

    assertThat(result.get("tools").toString()).contains("echo");
    assertThat(result.get("echo").asText()).isEqualTo("Echo: python through oauth");
    assertThat(result.get("echoAfterWait").asText()).as("a call after the access token expired").isEqualTo("Echo: python after refresh");
    assertThat(result.get("tokensSaved").asInt()).as("tokens from the code, then from a refresh").isGreaterThanOrEqualTo(2);
  }
}
