package io.portcullis.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.Sha256;
import io.portcullis.testing.McpHttp;
import io.portcullis.testing.RunningGateway;
import io.portcullis.testing.TestPeers;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The TypeScript SDK client (policy-client.mjs) through the gateway, with the default policy, to
 * server-everything over stdio, whose tools carry real MCP annotations: a viewer sees only the
 * read tools and a write tool it calls is answered like an unknown tool; an editor's write call
 * goes through; only an admin sees a tool the operator classed as destructive.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PolicyThroughGatewayTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String VIEWER = "viewer-token-0123456789abcdef";
  static final String EDITOR = "editor-token-0123456789abcdef";
  static final String ADMIN = "admin-token-0123456789abcdef";
  /** Annotated readOnlyHint false, destructiveHint false (write) by server-everything; classed destructive here. */
  static final String DESTRUCTIVE_BY_OVERRIDE = "simulate-research-query";

  RunningGateway gateway;
  /** Every tool server-everything lists, with its annotations, as an admin sees them. */
  JsonNode allTools;

  static String sha256(String token) {
    return Sha256.hex(token);
  }

  @BeforeAll
  void start() throws Exception {
    String command = TestPeers.serverEverythingStdio().stream().map(s -> "\"" + s + "\"").collect(Collectors.joining(", "));
    gateway = RunningGateway.start("""
        server: {port: 0}
        auth:
          providers:
            - static:
                tokens:
                  - {sha256: "%s", subject: vera, roles: [viewer]}
                  - {sha256: "%s", subject: ed, roles: [editor]}
                  - {sha256: "%s", subject: ada, roles: [admin]}
        policy:
          directory: "%s"
          opaBinary: "%s"
          watch: false
          timeout: 10s
          toolAccess:
            - {backend: everything, tools: "%s", access: destructive}
        backends:
          - name: everything
            stdio:
              command: [%s]
        """.formatted(sha256(VIEWER), sha256(EDITOR), sha256(ADMIN), RunningGateway.POLICIES, System.getProperty("portcullis.opa"),
        DESTRUCTIVE_BY_OVERRIDE, command));
    allTools = adminToolList();
  }

  @AfterAll
  void stop() throws Exception {
    gateway.close();
  }

  @Test
  void aViewerSeesOnlyTheReadToolsAndAWriteToolIsAnsweredLikeAnUnknownOne() throws Exception {
    JsonNode viewer = policyClient(VIEWER, "toggle-simulated-logging");
    JsonNode unknown = policyClient(VIEWER, "no-such-tool");

    assertThat(names(viewer.get("tools"))).containsExactlyInAnyOrderElementsOf(toolsOfClass("read"))
        .contains("echo", "get-sum").doesNotContain("toggle-simulated-logging", DESTRUCTIVE_BY_OVERRIDE);
    JsonNode call = viewer.get("call");
    assertThat(call.get("ok").asBoolean()).isFalse();
    assertThat(call.get("code").asInt()).isEqualTo(-32602);
    assertThat(call.get("message").asText()).isEqualTo("MCP error -32602: Unknown tool: toggle-simulated-logging");
    assertThat(call.has("data")).as("no decision id or reasons that would tell the tool exists").isFalse();
    JsonNode unknownCall = unknown.get("call");
    assertThat(call.get("code")).isEqualTo(unknownCall.get("code"));
    assertThat(call.get("message").asText().replace("toggle-simulated-logging", "TOOL"))
        .isEqualTo(unknownCall.get("message").asText().replace("no-such-tool", "TOOL"));
  }

  @Test
  void anEditorsWriteCallGoesThrough() throws Exception {
    JsonNode editor = policyClient(EDITOR, "toggle-simulated-logging");

    List<String> readAndWrite = new ArrayList<>(toolsOfClass("read"));
    readAndWrite.addAll(toolsOfClass("write"));
    assertThat(names(editor.get("tools"))).containsExactlyInAnyOrderElementsOf(readAndWrite)
        .contains("toggle-simulated-logging").doesNotContain(DESTRUCTIVE_BY_OVERRIDE);
    assertThat(editor.get("call").get("ok").asBoolean()).as("%s", editor.get("call")).isTrue();
    assertThat(editor.get("call").get("text").asText()).containsIgnoringCase("logging");
  }

  @Test
  void anAdminSeesTheToolTheOperatorClassedDestructive() throws Exception {
    JsonNode admin = policyClient(ADMIN, "echo");

    assertThat(names(admin.get("tools"))).contains(DESTRUCTIVE_BY_OVERRIDE).hasSameSizeAs(allTools);
    assertThat(admin.get("call").get("ok").asBoolean()).as("%s", admin.get("call")).isTrue();
  }

  @Test
  void serverEverythingAnnotatesEveryToolAndHasReadAndWriteTools() {
    assertThat(toolsOfClass("read")).contains("echo", "get-sum");
    assertThat(toolsOfClass("write")).contains("toggle-simulated-logging");
    assertThat(allTools).allSatisfy(tool -> assertThat(tool.has("annotations")).as(tool.get("name").asText()).isTrue());
  }

  /** Runs policy-client.mjs with a bearer token, calling {@code tool} with no arguments; its JSON line. */
  JsonNode policyClient(String token, String tool) throws Exception {
    String arguments = tool.equals("echo") ? "{\"message\":\"hi\"}" : "{}";
    TestPeers.Output output = TestPeers.run(List.of(TestPeers.node(), TestPeers.script("policy-client.mjs"), gateway.mcpUrl(),
        "--token", token, "--call", tool, "--args", arguments), Map.of(), 60);
    assertThat(output.exitCode()).as("policy-client stderr:\n%s", output.stderr()).isZero();
    return JSON.readTree(output.lastLine());
  }

  /**
   * The tools of an access class by their annotations, as the MCP specification reads them
   * (readOnlyHint true: read; else destructiveHint false: write; else destructive), the operator's
   * override applied.
   */
  List<String> toolsOfClass(String access) {
    List<String> names = new ArrayList<>();
    for (JsonNode tool : allTools) {
      String name = tool.get("name").asText();
      JsonNode a = tool.path("annotations");
      String own = a.path("readOnlyHint").asBoolean(false) ? "read"
          : a.has("destructiveHint") && !a.get("destructiveHint").asBoolean(true) ? "write" : "destructive";
      if ((name.equals(DESTRUCTIVE_BY_OVERRIDE) ? "destructive" : own).equals(access)) {
        names.add(name);
      }
    }
    return names;
  }

  static List<String> names(JsonNode array) {
    List<String> names = new ArrayList<>();
    array.forEach(n -> names.add(n.isTextual() ? n.asText() : n.get("name").asText()));
    return names;
  }

  /** The admin's tools/list over raw HTTP: the admin's role grants every class, so nothing is filtered. */
  JsonNode adminToolList() throws Exception {
    McpHttp mcp = new McpHttp(gateway.mcpUrl());
    HttpResponse<String> init = mcp.post(McpHttp.initializeBody(1)).header("Authorization", "Bearer " + ADMIN).send();
    assertThat(init.statusCode()).as(init.body()).isEqualTo(200);
    String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
    mcp.post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}").session(session)
        .header("Authorization", "Bearer " + ADMIN).send();
    HttpResponse<String> listed = mcp.post("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}").session(session)
        .header("Authorization", "Bearer " + ADMIN).send();
    assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
    String body = listed.body();
    if (listed.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
      body = body.lines().filter(l -> l.startsWith("data:") && l.contains("\"tools\"")).findFirst().orElseThrow().substring(5);
    }
    JsonNode tools = JSON.readTree(body).at("/result/tools");
    assertThat(tools.isArray() && !tools.isEmpty()).as(body).isTrue();
    return tools;
  }
}
