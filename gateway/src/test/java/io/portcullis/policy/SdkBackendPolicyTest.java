package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.policy.PolicyEnforcementTest.Caller;
import io.portcullis.testing.RunningGateway;
import io.portcullis.testing.TestPeers;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Policy enforcement in front of a backend built with the TypeScript SDK's McpServer
 * (policy-server.mjs), which prints every message it receives: what the operator's overrides and
 * deny rules say holds for the names and URIs that server answers to, and every refusal is checked
 * to have reached no backend.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SdkBackendPolicyTest {
  static final String DATA = """
      {"portcullis": {
        "roles": {"viewer": ["read"], "editor": ["read", "write"], "admin": ["read", "write", "destructive"]},
        "deny": [
          {"id": "vault-admins-only", "kinds": "resource", "uris": "vault://*", "except": {"roles": "admin"}},
          {"id": "no-secret-files", "kinds": "resource", "uris": "file:///secret/*"}
        ]
      }}
      """;

  final List<String> received = new CopyOnWriteArrayList<>();
  Process backend;
  RunningGateway gateway;

  @BeforeAll
  void start(@TempDir Path tmp) throws Exception {
    backend = TestPeers.policyServer(received);
    gateway = RunningGateway.start("""
        server: {port: 0}
        %s
        policy:
          directory: "%s"
          opaBinary: "%s"
          watch: false
          timeout: 10s
          toolAccess:
            - {backend: crm, tools: "*delete*", access: destructive}
        backends:
          - name: crm
            http: {url: "http://127.0.0.1:%d/mcp"}
        """.formatted(PolicyEnforcementTest.staticTokens(), PolicyEnforcementTest.policiesWith(tmp, "policies", DATA),
        PolicyEnforcementTest.opa(), TestPeers.portOf(backend)));
  }

  @BeforeEach
  void forget() {
    received.clear();
  }

  @AfterAll
  void stop() throws Exception {
    gateway.close();
    backend.destroy();
  }

  /** A session of the principal whose token this is. */
  Caller as(String token) throws Exception {
    return Caller.open(gateway.mcpUrl(), token);
  }

  /** The JSON-RPC methods that reached the backend since the last reset, apart from session set-up. */
  List<String> forwarded() {
    return PolicyEnforcementTest.afterSetUp(received.stream().map(m -> m.replaceAll(".*\"method\":\"([^\"]*)\".*", "$1")).toList());
  }

  @Nested
  class AnOverrideGlobCoversToolNamesWithSlashes {
    @Test
    void aToolClaimingReadOnlyThatTheOperatorClassedDestructiveIsHiddenFromAViewer() throws Exception {
      assertThat(as(PolicyEnforcementTest.VIEWER).names("tools/list", "tools", "name")).containsExactly("lookup");
      assertThat(as(PolicyEnforcementTest.ADMIN).names("tools/list", "tools", "name")).containsExactly("lookup", "admin/delete_user");
    }

    @Test
    void aViewerCallingItGetsWhatAnUnknownToolGetsAndNothingReachesTheBackend() throws Exception {
      Caller viewer = as(PolicyEnforcementTest.VIEWER);
      viewer.names("tools/list", "tools", "name");

      HttpResponse<String> toHidden = viewer.post(Caller.callBody(7, "admin/delete_user", "{}"));
      HttpResponse<String> toNothing = viewer.post(Caller.callBody(7, "no_such_tool", "{}"));

      assertThat(toHidden.body().replace("admin/delete_user", "TOOL")).isEqualTo(toNothing.body().replace("no_such_tool", "TOOL"));
      assertThat(Caller.message(toHidden).at("/error/code").asInt()).isEqualTo(-32602);
      // The gateway asks the backend's tools/list for a name it has not seen listed: only that.
      assertThat(forwarded()).as("what reached the backend").doesNotContain("tools/call");
    }

    @Test
    void anAdminCallsIt() throws Exception {
      JsonNode answer = as(PolicyEnforcementTest.ADMIN).call("admin/delete_user", "{}");

      assertThat(answer.at("/result/content/0/text").asText()).isEqualTo("user deleted");
      assertThat(forwarded()).contains("tools/call");
    }
  }

  @Nested
  class ResourceUrisAreDecidedInTheFormTheBackendReadsThem {
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"VAULT://token", "Vault://token", "file:///public/../secret/a.txt", "file:///public/%2e%2e/secret/a.txt",
        "file:/secret/a.txt", "file://localhost/secret/a.txt", "FILE:///secret/./a.txt"})
    void anotherSpellingOfADeniedUriIsAnsweredLikeAnUnknownResourceAndNothingReachesTheBackend(String spelling) throws Exception {
      Caller viewer = as(PolicyEnforcementTest.VIEWER);

      JsonNode answer = viewer.request("resources/read", "{\"uri\":\"" + spelling + "\"}");

      assertThat(answer.at("/error/code").asInt()).as("%s", answer).isEqualTo(-32002);
      assertThat(answer.has("result")).isFalse();
      assertThat(forwarded()).as("what reached the backend").isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"file:///public\\\\..\\\\secret/a.txt", "vault://tok\\ten", "file:///public/a.txt%"})
    void aStringThatIsNoUriIsRefusedAsInvalidAndNothingReachesTheBackend(String spelling) throws Exception {
      JsonNode answer = as(PolicyEnforcementTest.VIEWER).request("resources/read", "{\"uri\":\"" + spelling + "\"}");

      assertThat(answer.at("/error/code").asInt()).as("%s", answer).isEqualTo(-32602);
      assertThat(forwarded()).as("what reached the backend").isEmpty();
    }

    @Test
    void anAllowedResourceSpelledAnotherWayIsReadAndTheBackendReceivesItsNormalForm() throws Exception {
      JsonNode answer = as(PolicyEnforcementTest.VIEWER).request("resources/read", "{\"uri\":\"FILE:///public/./a.txt\"}");

      assertThat(answer.at("/result/contents/0/text").asText()).as("%s", answer).isEqualTo("public a");
      assertThat(received).filteredOn(m -> m.contains("resources/read")).singleElement().asString()
          .contains("\"uri\":\"file:///public/a.txt\"");
    }

    @Test
    void anAdminReadsTheVaultHoweverItIsSpelled() throws Exception {
      JsonNode answer = as(PolicyEnforcementTest.ADMIN).request("resources/read", "{\"uri\":\"VAULT://token\"}");

      assertThat(answer.at("/result/contents/0/text").asText()).as("%s", answer).isEqualTo("the vault token");
    }

    @Test
    void theListAndTheReadAreDecidedAlike() throws Exception {
      Caller viewer = as(PolicyEnforcementTest.VIEWER);

      assertThat(viewer.names("resources/list", "resources", "uri")).containsExactly("file:///public/a.txt");
      assertThat(viewer.request("resources/read", "{\"uri\":\"file:///public/a.txt\"}").at("/result/contents/0/text").asText())
          .isEqualTo("public a");
    }
  }
}
