package io.portcullis.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.testing.RunningGateway;
import io.portcullis.testing.TestPeers;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bridge to an identity provider that lets no MCP client register: the TypeScript SDK client
 * registers with Portcullis, the browser is sent to the provider (a loopback OIDC provider) and
 * back, Portcullis verifies the ID token and issues its own code. The groups the provider returns
 * reach the policy input: the policy here lets only the group mcp-users call echo, and grants no
 * role to OAuth clients.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OAuthBridgeTest {
  @TempDir
  static Path dir;
  TestIdentityProvider idp;
  RunningGateway gateway;

  @BeforeAll
  void start() throws Exception {
    idp = TestIdentityProvider.start();
    Path policies = dir.resolve("policies");
    try (Stream<Path> files = Files.walk(Path.of(RunningGateway.POLICIES))) {
      for (Path source : files.toList()) {
        Path target = policies.resolve(Path.of(RunningGateway.POLICIES).relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target);
        }
      }
    }
    Files.writeString(policies.resolve("data.json"), """
        {"portcullis": {"roles": {}, "deny": [], "require_scopes": [],
          "allow": [{"id": "group-echo", "reason": "mcp-users may echo", "names": ["echo"], "who": {"groups": ["mcp-users"]}}]}}
        """);
    gateway = RunningGateway.start(config(dir.resolve("oauth-state.json")));
  }

  /** The bridge's gateway, with these lines added to auth.oauthServer.upstream. */
  private String config(Path stateFile, String... upstreamExtra) throws Exception {
    StringBuilder extra = new StringBuilder();
    for (String line : upstreamExtra) {
      extra.append("      ").append(line).append('\n');
    }
    return """
        server: {port: 0}
        policy: {directory: "%s", watch: false, timeout: 10s}
        auth:
          allowPrivateTargets: true
          oauthServer:
            enabled: true
            signingKeys: [{kid: k1, secret: "test-signing-key-with-at-least-32-bytes"}]
            redirectUris: ["http://127.0.0.1/*"]
            upstream:
              issuer: "%s"
              clientId: %s
              clientSecret: %s
        %s    stateFile: "%s"
          providers:
            - oauth-as: {}
        backends:
          - name: everything
            stdio: {command: %s}
        """.formatted(dir.resolve("policies"), idp.issuer(), TestIdentityProvider.CLIENT_ID, TestIdentityProvider.CLIENT_SECRET,
        extra, stateFile, TestPeers.yamlList(TestPeers.serverEverythingStdio()));
  }

  @AfterAll
  void stop() throws Exception {
    gateway.close();
    idp.close();
  }

  private TestPeers.Output runClient() throws Exception {
    return TestPeers.run(List.of(TestPeers.node(), TestPeers.script("oauth-client.mjs"), gateway.mcpUrl(), "--user", "ignored"),
        Map.of(), 90);
  }

  @Test
  void aUserTheProviderSignsInInTheRightGroupCallsTheToolThePolicyAllowsThatGroup() throws Exception {
    idp.signsIn("alice@example.com", "mcp-users", "eng");
    int before = idp.tokenRequests();
    TestPeers.Output output = runClient();

    assertThat(output.exitCode()).as("oauth-client stderr:\n%s", output.stderr()).isZero();
    JsonNode result = new ObjectMapper().readTree(output.lastLine());
    assertThat(result.get("tools").toString()).isEqualTo("[\"echo\"]");
    assertThat(result.get("echo").asText()).isEqualTo("Echo: through oauth");
    assertThat(idp.tokenRequests() - before).as("Portcullis exchanged the provider's code once").isEqualTo(1);
  }

  @Test
  void aUserOutsideTheGroupIsSignedInButThePolicySeesNoGroupAndHidesTheTool() throws Exception {
    idp.signsIn("bob@example.com", "sales");
    TestPeers.Output output = runClient();

    assertThat(output.exitCode()).as("oauth-client stderr:\n%s", output.stderr()).isZero();
    JsonNode result = new ObjectMapper().readTree(output.lastLine());
    assertThat(result.get("tools")).isEmpty();
    assertThat(result.get("echo").asText()).startsWith("ERROR -32602").contains("Unknown tool: echo");
  }

  @Test
  void aSignInTheProviderRefusesEndsOnAPageAndNoCodeIsIssued() throws Exception {
    idp.refusesWith("access_denied");
    try {
      TestPeers.Output output = runClient();
      assertThat(output.exitCode()).isNotZero();
      assertThat(output.stderr()).contains("authorize answered 403").contains("The identity provider did not sign you in: access_denied");
    } finally {
      idp.refusesWith(null);
    }
  }

  @Test
  void aSignInBeyondMaxWaitingSignInsTakesTheOldestOnesPlace() throws Exception {
    try (RunningGateway small = RunningGateway.start(config(dir.resolve("small-state.json"), "maxWaitingSignIns: 1"))) {
      OAuthBrowser browser = new OAuthBrowser("http://127.0.0.1:" + small.port());
      OAuthBrowser.Client client = browser.registerPublic("http://127.0.0.1:49152/callback");
      HttpResponse<String> first = browser.authorize(OAuthBrowser.authorizeParams(client, OAuthBrowser.Pkce.create(), "st-1"), Map.of());
      assertThat(first.statusCode()).as(first.body()).isEqualTo(302);
      assertThat(OAuthBrowser.redirectTarget(first)).startsWith(idp.issuer());

      // Refusing newcomers once full would let anyone keep every sign-in out with a trickle of their own.
      HttpResponse<String> second = browser.authorize(OAuthBrowser.authorizeParams(client, OAuthBrowser.Pkce.create(), "st-2"), Map.of());

      assertThat(second.statusCode()).as(second.body()).isEqualTo(302);
      String firstState = OAuthBrowser.redirectQuery(first).get("state");
      String secondState = OAuthBrowser.redirectQuery(second).get("state");
      OAuthAttacksTest.assertErrorPage(browser.get("/oauth/callback?error=access_denied&state=" + firstState), 400,
          "This sign-in is unknown or has expired");
      assertThat(browser.get("/oauth/callback?error=access_denied&state=" + secondState).statusCode()).as("the newcomer comes back")
          .isEqualTo(403);
    }
  }

  @Test
  void anIdTokenWithAnotherNonceIsRefused() throws Exception {
    idp.signsIn("mallory@example.com", "mcp-users");
    idp.answersWithAnotherNonce(true);
    try {
      TestPeers.Output output = runClient();
      assertThat(output.exitCode()).isNotZero();
      assertThat(output.stderr()).contains("authorize answered 403").contains("nonce is not the one this sign-in sent");
    } finally {
      idp.answersWithAnotherNonce(false);
    }
  }
}
