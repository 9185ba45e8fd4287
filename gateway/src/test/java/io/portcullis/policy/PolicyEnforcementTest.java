package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.portcullis.Sha256;
import io.portcullis.testing.McpHttp;
import io.portcullis.testing.RecordingMcpServer;
import io.portcullis.testing.RunningGateway;
import io.portcullis.testing.TestPeers;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Policy enforcement through a real gateway and a recording backend, with static tokens for a
 * viewer, an editor (with and without a scope), an admin and a principal without roles: lists
 * filtered by access class, hidden targets answered like missing ones, operator overrides, deny
 * and require_scopes rules from data.json, arguments forwarded as parsed, dry run, and failing
 * closed. Every refusal is checked to have reached no backend.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PolicyEnforcementTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String VIEWER = "viewer-token-0123456789abcdef";
  static final String EDITOR = "editor-token-0123456789abcdef";
  static final String SCOPED_EDITOR = "scoped-editor-token-0123456789abcdef";
  static final String ADMIN = "admin-token-0123456789abcdef";
  static final String ROLELESS = "roleless-token-0123456789abcdef";
  /** Every tool the recording backend lists, in its order. */
  static final List<String> ALL_TOOLS = List.of("echo", "countdown", "crash", "stall", "lookup", "annotate", "refund", "purge", "inspect");

  /**
   * The default roles, plus: nobody ever calls purge; the vault resource is for admins only;
   * viewers do not get internal prompts; refund needs the payments:refund scope. The rule naming
   * readme applies to no resource: resources are matched by uri, never by name.
   */
  static final String DATA = """
      {"portcullis": {
        "roles": {"viewer": ["read"], "editor": ["read", "write"], "admin": ["read", "write", "destructive"]},
        "allow": [],
        "deny": [
          {"id": "never-purge", "names": "purge", "reason": "nothing is ever purged through the gateway"},
          {"id": "vault-admins-only", "kinds": "resource", "uris": "secret://*", "except": {"roles": "admin"}},
          {"id": "no-internal-prompts-for-viewers", "kinds": "prompt", "names": "internal-*", "who": {"roles": "viewer"}},
          {"id": "no-readme-by-name-for-editors", "names": "readme", "who": {"roles": "editor"}}
        ],
        "require_scopes": [
          {"id": "refund-scope", "names": "refund", "scopes": "payments:refund"}
        ]
      }}
      """;

  Path tmp;
  RecordingMcpServer backend;
  RunningGateway gateway;

  static String sha256(String token) {
    return Sha256.hex(token);
  }

  /** The token of a principal named in a table of cases. */
  static String token(String who) {
    return switch (who) {
      case "viewer" -> VIEWER;
      case "editor" -> EDITOR;
      case "scoped editor" -> SCOPED_EDITOR;
      case "admin" -> ADMIN;
      case "roleless" -> ROLELESS;
      default -> throw new IllegalArgumentException(who);
    };
  }

  /** The auth section: one static token per principal of this suite. */
  static String staticTokens() {
    return """
        auth:
          providers:
            - static:
                tokens:
                  - {sha256: "%s", subject: vera, roles: [viewer]}
                  - {sha256: "%s", subject: ed, roles: [editor]}
                  - {sha256: "%s", subject: sam, roles: [editor], scopes: ["payments:refund"]}
                  - {sha256: "%s", subject: ada, roles: [admin]}
                  - {sha256: "%s", subject: nobody}
        """.formatted(sha256(VIEWER), sha256(EDITOR), sha256(SCOPED_EDITOR), sha256(ADMIN), sha256(ROLELESS));
  }

  /** A copy of the repository's policies/ in {@code parent} with {@code data} as its data.json. */
  static Path policiesWith(Path parent, String name, String data) {
    Path dir = PolicyDirs.copy(Path.of(RunningGateway.POLICIES), parent.resolve(name));
    PolicyDirs.write(dir.resolve("data.json"), data);
    return dir;
  }

  static String opa() {
    return PolicyDirs.opa().toString();
  }

  /** A gateway in front of {@code backend} with the suite's tokens and the given policy section. */
  static RunningGateway gateway(RecordingMcpServer backend, String policySection) throws Exception {
    return RunningGateway.start("""
        server: {port: 0}
        %s
        %s
        backends:
          - name: recorder
            http: {url: "%s"}
        """.formatted(staticTokens(), policySection, backend.url()));
  }

  /** The embedded engine on {@code directory}, with a timeout no shared machine's load reaches (these tests are not about time). */
  static String embeddedPolicy(Path directory, boolean enforce) {
    return """
        policy:
          directory: "%s"
          opaBinary: "%s"
          watch: false
          timeout: 10s
          enforce: %s
          toolAccess:
            - {backend: recorder, tools: inspect, access: read}
            - {backend: recorder, tools: "c*", access: write}
        """.formatted(directory, opa(), enforce);
  }

  @BeforeAll
  void start(@TempDir Path tmp) throws Exception {
    this.tmp = tmp;
    backend = RecordingMcpServer.start();
    gateway = gateway(backend, embeddedPolicy(policiesWith(tmp, "policies", DATA), true));
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

  Caller as(String token) throws Exception {
    return Caller.open(gateway.mcpUrl(), token);
  }

  /** The JSON-RPC methods that reached the backend since the last reset, apart from session set-up. */
  List<String> forwarded() {
    return afterSetUp(backend.methods());
  }

  /** {@code methods} without those that set a session up (initialize, notifications/initialized). */
  static List<String> afterSetUp(List<String> methods) {
    return methods.stream().filter(m -> !m.equals("initialize") && !m.equals("notifications/initialized")).toList();
  }

  /** The tools whose tools/call reached the backend since the last reset, in order. */
  List<String> calledTools() {
    return backend.received().stream().filter(r -> r.body() != null && "tools/call".equals(r.body().getString("method")))
        .map(r -> r.body().getJsonObject("params").getString("name")).toList();
  }

  @Nested
  class ToolListsAreFilteredByAccessClass {
    @ParameterizedTest(name = "{0} sees {1}")
    @CsvSource(delimiter = '|', value = {
        "viewer        | lookup inspect",
        "editor        | countdown crash lookup annotate inspect",
        "scoped editor | countdown crash lookup annotate refund inspect",
        "admin         | echo countdown crash stall lookup annotate inspect",
        "roleless      | ''"})
    void eachPrincipalSeesExactlyTheToolsItsRolesGrant(String who, String expected) throws Exception {
      List<String> listed = new ArrayList<>(as(token(who)).names("tools/list", "tools", "name"));
      if (!who.equals("scoped editor")) {
        // Whether refund is listed to those its role grants but who lack its scope is the step-up
        // question, asked in HiddenToolsAreAnsweredLikeToolsThatDoNotExist.
        listed.remove("refund");
      }

      assertThat(listed).containsExactly(words(expected));
    }

    @Test
    void aToolWithoutAnnotationsIsDestructiveSoOnlyAnAdminSeesIt() throws Exception {
      assertThat(as(EDITOR).names("tools/list", "tools", "name")).doesNotContain("echo", "purge");
      assertThat(as(ADMIN).names("tools/list", "tools", "name")).contains("echo");
    }
  }

  @Nested
  class HiddenToolsAreAnsweredLikeToolsThatDoNotExist {
    @ParameterizedTest(name = "{0} calling {1}")
    @CsvSource({
        "viewer, annotate",
        "viewer, purge",
        "editor, echo",
        "editor, purge",
        "admin, purge",
        "roleless, lookup"})
    void callingAHiddenToolGetsByteForByteTheAnswerToAnUnknownTool(String who, String hidden) throws Exception {
      Caller caller = as(token(who));
      caller.names("tools/list", "tools", "name");

      HttpResponse<String> toHidden = caller.post(Caller.callBody(7, hidden, "{\"text\":\"hi\"}"));
      HttpResponse<String> toNothing = caller.post(Caller.callBody(7, "no_such_tool", "{\"text\":\"hi\"}"));

      assertThat(toHidden.statusCode()).isEqualTo(toNothing.statusCode()).isEqualTo(200);
      assertThat(toHidden.headers().firstValue("Content-Type")).isEqualTo(toNothing.headers().firstValue("Content-Type"));
      assertThat(toHidden.body().replace(hidden, "TOOL")).isEqualTo(toNothing.body().replace("no_such_tool", "TOOL"));
      JsonNode error = Caller.message(toHidden).get("error");
      assertThat(error.get("code").asInt()).isEqualTo(-32602);
      assertThat(error.get("message").asText()).isEqualTo("Unknown tool: " + hidden);
      assertThat(error.has("data")).as("no decision id or reasons that would tell the tool exists").isFalse();
      assertThat(forwarded()).as("what reached the backend").doesNotContain("tools/call");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"viewer", "editor", "scoped editor", "admin", "roleless"})
    void everyToolMissingFromAPrincipalsListIsAnsweredExactlyLikeAnUnknownTool(String who) throws Exception {
      Caller caller = as(token(who));
      List<String> listed = caller.names("tools/list", "tools", "name");
      String unknown = caller.post(Caller.callBody(7, "no_such_tool", "{}")).body().replace("no_such_tool", "TOOL");

      for (String hidden : ALL_TOOLS.stream().filter(t -> !listed.contains(t)).toList()) {
        HttpResponse<String> response = caller.post(Caller.callBody(7, hidden, "{}"));
        assertThat(response.statusCode()).as("%s calling %s, absent from its list: %s", who, hidden, response.body()).isEqualTo(200);
        assertThat(response.body().replace(hidden, "TOOL")).as("%s calling %s", who, hidden).isEqualTo(unknown);
      }
      assertThat(calledTools()).isEmpty();
    }

    @Test
    void aHiddenToolCalledBeforeAnyListingIsStillAnsweredLikeAnUnknownOne() throws Exception {
      HttpResponse<String> toHidden = as(VIEWER).post(Caller.callBody(7, "annotate", "{}"));
      HttpResponse<String> toNothing = as(VIEWER).post(Caller.callBody(7, "no_such_tool", "{}"));

      assertThat(toHidden.body().replace("annotate", "TOOL")).isEqualTo(toNothing.body().replace("no_such_tool", "TOOL"));
      // The gateway refreshes its catalog for a tool it has not seen listed, for both alike.
      assertThat(forwarded()).containsExactly("tools/list", "tools/list");
    }

    @Test
    void aToolTheRoleGrantsIsCalledAndReachesTheBackend() throws Exception {
      JsonNode answer = as(VIEWER).call("lookup", "{\"text\":\"found\"}");

      assertThat(answer.at("/result/content/0/text").asText()).isEqualTo("found");
      assertThat(forwarded()).contains("tools/call");
    }
  }

  @Nested
  class OperatorOverrides {
    @Test
    void aToolWithoutAnnotationsOverriddenToReadIsListedAndCallableForAViewer() throws Exception {
      Caller viewer = as(VIEWER);

      assertThat(viewer.names("tools/list", "tools", "name")).contains("inspect");
      assertThat(viewer.call("inspect", "{\"text\":\"inspected\"}").at("/result/content/0/text").asText()).isEqualTo("inspected");
      assertThat(calledTools()).containsExactly("inspect");
    }

    @Test
    void anOverrideByGlobMakesDestructiveToolsWriteToolsAnEditorMayCall() throws Exception {
      Caller editor = as(EDITOR);

      assertThat(editor.names("tools/list", "tools", "name")).contains("countdown", "crash").doesNotContain("echo");
      assertThat(editor.call("countdown", "{\"steps\":2}").at("/result/content/0/text").asText()).isEqualTo("done");
      assertThat(calledTools()).containsExactly("countdown");
    }
  }

  @Nested
  class RulesInData {
    @Test
    void aDenyRuleNamingAToolWinsOverTheAdminsRoleGrant() throws Exception {
      Caller admin = as(ADMIN);

      assertThat(admin.names("tools/list", "tools", "name")).doesNotContain("purge").contains("echo");
      assertThat(admin.call("purge", "{}").at("/error/message").asText()).isEqualTo("Unknown tool: purge");
      assertThat(admin.call("echo", "{\"text\":\"granted\"}").at("/result/content/0/text").asText()).isEqualTo("granted");
      assertThat(calledTools()).containsExactly("echo");
    }

    @Test
    void aRequireScopesRuleAsksAnEditorWithoutTheScopeToStepUp() throws Exception {
      HttpResponse<String> response = as(EDITOR).post(Caller.callBody(7, "refund", "{\"amount\":5}"));

      assertThat(response.statusCode()).isEqualTo(403);
      assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(challenge -> assertThat(challenge)
          .startsWith("Bearer ").contains("error=\"insufficient_scope\"").contains("scope=\"payments:refund\""));
      assertThat(JSON.readTree(response.body()).get("error").asText()).isEqualTo("insufficient_scope");
      assertThat(forwarded()).doesNotContain("tools/call");
    }

    @Test
    void anEditorHoldingTheRequiredScopeCallsTheToolThrough() throws Exception {
      JsonNode answer = as(SCOPED_EDITOR).call("refund", "{\"text\":\"refunded\"}");

      assertThat(answer.at("/result/content/0/text").asText()).isEqualTo("refunded");
      assertThat(forwarded()).contains("tools/call");
    }
  }

  @Nested
  class ResourcesAndPrompts {
    @ParameterizedTest(name = "{0} lists {1}")
    @CsvSource(delimiter = '|', value = {
        "viewer   | readme",
        "editor   | readme",
        "admin    | readme vault-key",
        "roleless | ''"})
    void resourceListsAreFilteredByTheDenyRuleAndRoles(String who, String expected) throws Exception {
      assertThat(as(token(who)).names("resources/list", "resources", "name"))
          .containsExactly(words(expected));
    }

    @ParameterizedTest(name = "{0} lists {1}")
    @CsvSource(delimiter = '|', value = {
        "viewer   | greeting",
        "editor   | greeting internal-review",
        "roleless | ''"})
    void promptListsAreFilteredByTheDenyRuleAndRoles(String who, String expected) throws Exception {
      assertThat(as(token(who)).names("prompts/list", "prompts", "name"))
          .containsExactly(words(expected));
    }

    @Test
    void readingAHiddenResourceIsAnsweredResourceNotFoundWithoutReachingTheBackend() throws Exception {
      JsonNode answer = as(VIEWER).request("resources/read", "{\"uri\":\"" + RecordingMcpServer.VAULT_URI + "\"}");

      assertThat(answer.get("error").get("code").asInt()).isEqualTo(-32002);
      assertThat(answer.get("error").get("message").asText()).isEqualTo("Resource not found: " + RecordingMcpServer.VAULT_URI);
      assertThat(forwarded()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"viewer", "editor", "admin", "roleless"})
    void aResourceIsReadableExactlyWhenItIsListedAndOtherwiseAnsweredLikeAnUnknownOne(String who) throws Exception {
      Caller caller = as(token(who));
      List<String> listed = caller.names("resources/list", "resources", "uri");
      String unknown = caller.post(readBody("file:///no/such/resource")).body().replace("file:///no/such/resource", "URI");
      backend.reset();

      for (String uri : List.of(RecordingMcpServer.README_URI, RecordingMcpServer.VAULT_URI)) {
        HttpResponse<String> read = caller.post(readBody(uri));
        if (listed.contains(uri)) {
          assertThat(Caller.message(read).at("/result/contents/0/text").asText()).as("%s reading %s", who, uri)
              .isEqualTo("contents of " + uri);
        } else {
          assertThat(read.body().replace(uri, "URI")).as("%s reading %s, absent from its list", who, uri).isEqualTo(unknown);
        }
      }
      assertThat(forwarded()).as("reads that reached the backend").hasSize((int) listed.stream()
          .filter(uri -> List.of(RecordingMcpServer.README_URI, RecordingMcpServer.VAULT_URI).contains(uri)).count());
    }

    String readBody(String uri) {
      return "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"resources/read\",\"params\":{\"uri\":\"" + uri + "\"}}";
    }

    @ParameterizedTest(name = "{0} {1} like {2}")
    @CsvSource({
        "ref/prompt,   internal-review,  no-such-prompt",
        "ref/resource, secret://vault/key, file:///no/such/file"})
    void aViewerCompletingAHiddenRefGetsByteForByteTheAnswerToAnUnknownOne(String type, String hidden, String unknown)
        throws Exception {
      Caller viewer = as(VIEWER);

      HttpResponse<String> toHidden = viewer.post(completeBody(type, hidden));
      HttpResponse<String> toNothing = viewer.post(completeBody(type, unknown));

      assertThat(toHidden.statusCode()).isEqualTo(toNothing.statusCode()).isEqualTo(200);
      assertThat(toHidden.body().replace(hidden, "REF")).isEqualTo(toNothing.body().replace(unknown, "REF"));
      assertThat(Caller.message(toHidden).has("error")).as(toHidden.body()).isTrue();
      assertThat(forwarded()).as("only the unknown ref reached the backend").containsExactly("completion/complete");
    }

    @Test
    void anEditorCompletesTheInternalPrompt() throws Exception {
      HttpResponse<String> answer = as(EDITOR).post(completeBody("ref/prompt", "internal-review"));

      assertThat(Caller.message(answer).at("/result/completion/values/0").asText()).as(answer.body()).isEqualTo("draft-one");
    }

    String completeBody(String type, String ref) {
      String key = type.equals("ref/prompt") ? "name" : "uri";
      return "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"completion/complete\",\"params\":{\"ref\":{\"type\":\"" + type
          + "\",\"" + key + "\":\"" + ref + "\"},\"argument\":{\"name\":\"topic\",\"value\":\"draft\"}}}";
    }

    @Test
    void anAdminReadsTheVault() throws Exception {
      JsonNode answer = as(ADMIN).request("resources/read", "{\"uri\":\"" + RecordingMcpServer.VAULT_URI + "\"}");

      assertThat(answer.at("/result/contents/0/text").asText()).isEqualTo("contents of " + RecordingMcpServer.VAULT_URI);
    }

    @Test
    void gettingAHiddenPromptIsAnsweredLikeAnUnknownPromptWithoutReachingTheBackend() throws Exception {
      Caller viewer = as(VIEWER);
      JsonNode hidden = viewer.request("prompts/get", "{\"name\":\"internal-review\"}");

      assertThat(hidden.get("error").get("code").asInt()).isEqualTo(-32602);
      assertThat(hidden.get("error").get("message").asText()).isEqualTo("Unknown prompt: internal-review");
      assertThat(forwarded()).isEmpty();
      assertThat(viewer.request("prompts/get", "{\"name\":\"greeting\"}").at("/result/messages/0/content/text").asText())
          .isEqualTo("prompt greeting");
    }
  }

  @Nested
  class ArgumentsAreForwardedExactlyAsParsed {
    /** Reads numbers as exact decimals, so that a digit lost on the way shows. */
    final ObjectMapper exact = JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
        .nodeFactory(JsonNodeFactory.withExactBigDecimals(true)).build();

    @Test
    void theBackendReceivesTheArgumentsTheClientSent() throws Exception {
      String arguments = """
          {"text": "h\\u00e9llo \\u2603 \\"quoted\\" back\\\\slash\\nnew line", "count": 3, "big": 12345678901234567890123,
           "ratio": 1.5, "negative": -42, "flags": [true, false, null], "nested": {"a": [1, {"b": null}], "empty": {}, "list": []}}""";

      as(ADMIN).call("echo", arguments);

      assertThat(sameJson(forwardedArguments(), exact.readTree(arguments))).as("forwarded %s", forwardedArguments()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "a decimal with more digits than a double holds | 0.12345678901234567890123",
        "a number beyond a double's range                | 1e400",
        "a tiny number below a double's range            | 1e-400"})
    void aNumberReachesTheBackendWithTheValueTheClientSent(String what, String number) throws Exception {
      as(ADMIN).call("echo", "{\"text\":\"n\",\"n\":" + number + "}");

      JsonNode sent = exact.readTree(number);
      JsonNode received = forwardedArguments().get("n");
      assertThat(received.isNumber() && received.decimalValue().compareTo(sent.decimalValue()) == 0)
          .as("the client sent %s; the backend received %s", number, received).isTrue();
    }

    @Test
    void aRequestWithDuplicateKeysIsRefusedAsUnparseableBeforePolicyDecidesAnything() throws Exception {
      // Which "name" would policy see, which would the backend? Neither: the message is refused.
      Caller roleless = as(ROLELESS);
      Caller viewer = as(VIEWER);

      for (HttpResponse<String> response : List.of(
          roleless.post("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"lookup\",\"arguments\":{\"text\":\"a\",\"text\":\"b\"}}}"),
          viewer.post("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"lookup\",\"name\":\"annotate\",\"arguments\":{}}}"),
          viewer.post("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"lookup\",\"arguments\":{\"text\":\"a\",\"text\":\"b\"}}}"))) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).at("/error/code").asInt()).as(response.body()).isEqualTo(-32700);
      }
      assertThat(forwarded()).isEmpty();
    }

    JsonNode forwardedArguments() throws Exception {
      for (String body : backend.rawBodies()) {
        JsonNode message = exact.readTree(body);
        if ("tools/call".equals(message.path("method").asText())) {
          return message.get("params").get("arguments");
        }
      }
      throw new AssertionError("no tools/call reached the backend: " + backend.methods());
    }

    /** Equal as JSON, numbers compared by value (1.50 is 1.5). */
    boolean sameJson(JsonNode a, JsonNode b) {
      Comparator<JsonNode> numbersByValue = (x, y) -> x.isNumber() && y.isNumber()
          ? x.decimalValue().compareTo(y.decimalValue()) : x.equals(y) ? 0 : 1;
      return a.equals(numbersByValue, b);
    }
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class DryRun {
    RunningGateway dryRun;

    @BeforeAll
    void start() throws Exception {
      dryRun = gateway(backend, embeddedPolicy(policiesWith(tmp, "dry-run", DATA), false));
    }

    @AfterAll
    void stop() throws Exception {
      dryRun.close();
    }

    @Test
    void aCallThePolicyDeniesReachesTheBackendAndSucceeds() throws Exception {
      Caller viewer = Caller.open(dryRun.mcpUrl(), VIEWER);

      assertThat(viewer.call("annotate", "{\"text\":\"written anyway\"}").at("/result/content/0/text").asText())
          .isEqualTo("written anyway");
      assertThat(forwarded()).contains("tools/call");
    }

    @Test
    void listsAreNotFilteredAndNeitherDenyRulesNorScopesAreEnforced() throws Exception {
      Caller viewer = Caller.open(dryRun.mcpUrl(), VIEWER);

      assertThat(viewer.names("tools/list", "tools", "name"))
          .containsExactly("echo", "countdown", "crash", "stall", "lookup", "annotate", "refund", "purge", "inspect");
      assertThat(viewer.call("purge", "{\"text\":\"purged\"}").at("/result/content/0/text").asText()).isEqualTo("purged");
      assertThat(viewer.call("refund", "{\"text\":\"refunded\"}").at("/result/content/0/text").asText()).isEqualTo("refunded");
    }
  }

  @Nested
  class FailingClosed {
    @Test
    void anOpaServerThatCannotBeReachedRefusesEvenTheInitializeWithADecisionId() throws Exception {
      int closed = TestPeers.freePort();
      try (RunningGateway blind = gateway(backend, opaServerPolicy("http://127.0.0.1:" + closed))) {
        HttpResponse<String> response = new McpHttp(blind.mcpUrl()).post(McpHttp.initializeBody(1))
            .header("Authorization", "Bearer " + ADMIN).send();

        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error.get("code").asInt()).as(response.body()).isEqualTo(-32011);
        assertThat(error.get("message").asText()).isEqualTo("Refused: the policy could not decide this request");
        assertThat(error.at("/data/decision_id").asText()).isNotBlank();
        assertThat(error.get("data").has("reasons")).as("the engine's failure is logged, not shown").isFalse();
        assertThat(backend.received()).isEmpty();
      }
    }

    @Test
    void aToolCallRefusedWhenTheOpaServerGoesAwayGetsMinus32011AndNeverReachesTheBackend() throws Exception {
      io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
      try {
        FakeOpaServer opa = FakeOpaServer.start(vertx).answer(200, "{\"result\": {\"allow\": true, \"reasons\": [\"fake OPA allows\"]}}");
        try (RunningGateway gatewayWithOpa = gateway(backend, opaServerPolicy(opa.url()))) {
          Caller admin = Caller.open(gatewayWithOpa.mcpUrl(), ADMIN);
          assertThat(admin.call("echo", "{\"text\":\"while OPA answers\"}").at("/result/content/0/text").asText())
              .isEqualTo("while OPA answers");
          opa.close();
          backend.reset();

          JsonNode error = admin.call("echo", "{\"text\":\"after OPA went away\"}").get("error");

          assertThat(error.get("code").asInt()).isEqualTo(-32011);
          assertThat(error.at("/data/decision_id").asText()).isNotBlank();
          assertThat(forwarded()).doesNotContain("tools/call");
        }
      } finally {
        vertx.close().await(10, TimeUnit.SECONDS);
      }
    }

    @Test
    void aPolicyDirectoryThatDoesNotBuildStopsTheGatewayFromStartingWithOpasError() throws Exception {
      Path broken = policiesWith(tmp, "broken", DATA);
      PolicyDirs.write(broken.resolve("mcp").resolve("broken.rego"), "package mcp.authz\n\nbroken_rule := {\n");

      assertThatThrownBy(() -> gateway(backend, embeddedPolicy(broken, true)))
          .rootCause()
          .isInstanceOf(PolicyLoadException.class)
          .hasMessageContaining("does not build")
          .hasMessageContaining("broken.rego")
          .hasMessageContaining("rego_parse_error");
      assertThat(backend.received()).isEmpty();
    }

    String opaServerPolicy(String url) {
      return """
          policy:
            engine: opa-server
            server: {url: "%s"}
          """.formatted(url);
    }
  }

  /** One client session with a bearer token, speaking raw JSON-RPC to the gateway's /mcp. */
  static final class Caller {
    private final McpHttp mcp;
    private final String token;
    private final String session;
    private final AtomicInteger ids = new AtomicInteger(100);

    private Caller(McpHttp mcp, String token, String session) {
      this.mcp = mcp;
      this.token = token;
      this.session = session;
    }

    /** Initializes a session as the token's principal and sends notifications/initialized. */
    static Caller open(String url, String token) throws Exception {
      McpHttp mcp = new McpHttp(url);
      HttpResponse<String> init = mcp.post(McpHttp.initializeBody(1)).header("Authorization", "Bearer " + token).send();
      assertThat(init.statusCode()).as("initialize: %s", init.body()).isEqualTo(200);
      String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
      HttpResponse<String> initialized = mcp.post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}")
          .session(session).header("Authorization", "Bearer " + token).send();
      assertThat(initialized.statusCode()).as("notifications/initialized: %s", initialized.body()).isEqualTo(202);
      return new Caller(mcp, token, session);
    }

    static String callBody(int id, String tool, String arguments) {
      return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
          + "\",\"arguments\":" + arguments + "}}";
    }

    HttpResponse<String> post(String body) throws Exception {
      return mcp.post(body).session(session).header("Authorization", "Bearer " + token).send();
    }

    /** Sends a request and returns the JSON-RPC response it got (200 expected). */
    JsonNode request(String method, String params) throws Exception {
      HttpResponse<String> response = post("{\"jsonrpc\":\"2.0\",\"id\":" + ids.incrementAndGet() + ",\"method\":\"" + method
          + "\",\"params\":" + params + "}");
      assertThat(response.statusCode()).as("%s: %s", method, response.body()).isEqualTo(200);
      return message(response);
    }

    JsonNode call(String tool, String arguments) throws Exception {
      return request("tools/call", "{\"name\":\"" + tool + "\",\"arguments\":" + arguments + "}");
    }

    /** The {@code key} of every item of a list answer's {@code field}. */
    List<String> names(String listMethod, String field, String key) throws Exception {
      JsonNode answer = request(listMethod, "{}");
      assertThat(answer.has("result")).as("%s: %s", listMethod, answer).isTrue();
      List<String> names = new ArrayList<>();
      answer.get("result").get(field).forEach(item -> names.add(item.get(key).asText()));
      return names;
    }

    /** The JSON-RPC response in a JSON body, or the one in an SSE body. */
    static JsonNode message(HttpResponse<String> response) throws Exception {
      boolean sse = response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream");
      if (!sse) {
        return JSON.readTree(response.body());
      }
      for (String line : response.body().split("\n")) {
        if (line.startsWith("data:") && !line.substring(5).isBlank()) {
          JsonNode message = JSON.readTree(line.substring(5));
          if (message.has("result") || message.has("error")) {
            return message;
          }
        }
      }
      throw new AssertionError("no JSON-RPC response in the stream: " + response.body());
    }
  }

  /** The words of a table cell: an empty cell is no words. */
  static String[] words(String text) {
    return text.isBlank() ? new String[0] : Arrays.stream(text.trim().split("\\s+")).toArray(String[]::new);
  }
}
