package io.portcullis.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.testing.RunningGateway;
import io.portcullis.testing.TestPeers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Four real MCP servers behind one gateway — server-everything, server-filesystem on a temporary
 * folder, server-memory, and a server whose lists come in pages — driven by the TypeScript SDK's
 * client: one merged, prefixed catalog; calls, prompts and resource reads routed to the backend
 * that owns them; the gateway's cursors walking every backend's pages.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManyBackendsThroughGatewayTest {
  @TempDir
  static Path folder;
  RunningGateway gateway;

  @BeforeAll
  void start() throws Exception {
    Files.writeString(folder.resolve("hello.txt"), "hello from the filesystem backend");
    gateway = RunningGateway.start("""
        server: {port: 0}
        backends:
          - name: everything
            stdio: {command: %s}
          - name: files
            stdio: {command: %s}
          - name: memory
            stdio: {command: %s, env: {MEMORY_FILE_PATH: "%s"}}
          - name: paged
            stdio: {command: %s}
        """.formatted(
        TestPeers.yamlList(TestPeers.serverEverythingStdio()),
        TestPeers.yamlList(TestPeers.npmServer("mcp-server-filesystem", folder.toRealPath().toString())),
        TestPeers.yamlList(TestPeers.npmServer("mcp-server-memory")), folder.resolve("memory.jsonl"),
        TestPeers.yamlList(TestPeers.nodeScript("paging-server.mjs"))));
  }

  @AfterAll
  void stop() throws Exception {
    gateway.close();
  }

  static JsonNode run(String url, Path folder, String actions) throws Exception {
    Path file = Files.writeString(Files.createTempFile(folder, "actions", ".json"), actions);
    TestPeers.Output output = TestPeers.run(
        List.of(TestPeers.node(), TestPeers.script("many-backends-client.mjs"), url, file.toString()), Map.of(), 120);
    assertThat(output.exitCode()).as("client stderr:\n%s", output.stderr()).isZero();
    return new ObjectMapper().readTree(output.lastLine());
  }

  static List<String> items(JsonNode report) {
    List<String> names = new ArrayList<>();
    report.get("items").forEach(n -> names.add(n.asText()));
    return names;
  }

  @Test
  void theCatalogIsMergedAndPrefixedAndEachCallReachesItsBackend() throws Exception {
    String written = folder.toRealPath().resolve("written.txt").toString();
    JsonNode reports = run(gateway.mcpUrl(), folder, """
        [{"do": "listAll", "what": "tools"},
         {"do": "call", "name": "everything__echo", "arguments": {"message": "routed"}},
         {"do": "call", "name": "files__write_file", "arguments": {"path": "%s", "content": "via portcullis"}},
         {"do": "call", "name": "files__read_text_file", "arguments": {"path": "%s"}},
         {"do": "call", "name": "memory__create_entities",
          "arguments": {"entities": [{"name": "portcullis", "entityType": "gateway", "observations": ["routes by prefix"]}]}},
         {"do": "call", "name": "memory__read_graph", "arguments": {}},
         {"do": "call", "name": "paged__page-tool-24", "arguments": {}},
         {"do": "call", "name": "echo", "arguments": {"message": "unprefixed"}},
         {"do": "call", "name": "nobody__echo", "arguments": {}}]
        """.formatted(written, folder.toRealPath().resolve("hello.txt")));

    List<String> tools = items(reports.get(0));
    assertThat(tools).contains("everything__echo", "everything__get-sum", "files__read_text_file", "files__write_file",
        "memory__create_entities", "memory__read_graph", "paged__page-tool-00", "paged__page-tool-24");
    assertThat(tools).allMatch(name -> name.matches("(everything|files|memory|paged)__.+"));
    assertThat(tools).doesNotHaveDuplicates();
    assertThat(tools.stream().filter(n -> n.startsWith("paged__"))).hasSize(25);
    assertThat(reports.get(0).get("pages").asInt()).as("the paged backend's 3 pages, merged with the others' single page").isEqualTo(3);

    assertThat(reports.get(1).get("text").asText()).isEqualTo("Echo: routed");
    assertThat(Files.readString(Path.of(written))).isEqualTo("via portcullis");
    assertThat(reports.get(3).get("text").asText()).isEqualTo("hello from the filesystem backend");
    assertThat(reports.get(4).get("isError").asBoolean()).isFalse();
    assertThat(reports.get(5).get("text").asText()).contains("portcullis", "routes by prefix");
    assertThat(reports.get(6).get("text").asText()).isEqualTo("page-tool-24 ok");
    assertThat(reports.get(7).get("error").get("code").asInt()).as("an unprefixed name leads nowhere").isEqualTo(-32602);
    assertThat(reports.get(8).get("error").get("code").asInt()).isEqualTo(-32602);
    assertThat(reports.get(8).get("error").get("message").asText()).contains("Unknown tool: nobody__echo");
  }

  @Test
  void resourcesAreReadThroughTheirMappedUrisAndPromptsByPrefixedName() throws Exception {
    JsonNode reports = run(gateway.mcpUrl(), folder, """
        [{"do": "listAll", "what": "resources"},
         {"do": "listAll", "what": "resourceTemplates"},
         {"do": "listAll", "what": "prompts"},
         {"do": "read", "uri": "everything+demo://resource/static/document/architecture.md"},
         {"do": "read", "uri": "paged+paged://item/11"},
         {"do": "read", "uri": "memory+memory://knowledge-graph"},
         {"do": "read", "uri": "demo://resource/static/document/architecture.md"},
         {"do": "getPrompt", "name": "everything__simple-prompt"}]
        """);

    List<String> resources = items(reports.get(0));
    assertThat(resources).contains("everything+demo://resource/static/document/architecture.md",
        "memory+memory://knowledge-graph", "paged+paged://item/00", "paged+paged://item/11");
    assertThat(resources.stream().filter(u -> u.startsWith("paged+"))).hasSize(12);
    assertThat(reports.get(0).get("pages").asInt()).isEqualTo(2);
    assertThat(items(reports.get(1))).contains("everything+demo://resource/dynamic/text/{resourceId}");
    assertThat(items(reports.get(2))).contains("everything__simple-prompt").allMatch(p -> p.startsWith("everything__"));

    assertThat(reports.get(3).get("texts").get(0).asText()).isNotBlank();
    assertThat(reports.get(4).get("texts").get(0).asText()).isEqualTo("item 11");
    assertThat(reports.get(5).get("texts").get(0).asText()).contains("entities");
    assertThat(reports.get(6).get("error").get("code").asInt()).as("a URI without its backend's mapping").isEqualTo(-32002);
    assertThat(reports.get(7).get("messages").asInt()).isPositive();
  }

  @Test
  void aSubscriptionIsRoutedToItsBackendAndItsUpdatesComeBackUnderTheMappedUri() throws Exception {
    String uri = "everything+demo://resource/static/document/architecture.md";
    JsonNode reports = run(gateway.mcpUrl(), folder, """
        [{"do": "subscribe", "uri": "%s"},
         {"do": "call", "name": "everything__toggle-subscriber-updates", "arguments": {}},
         {"do": "waitForResourceUpdated", "timeoutMs": 15000}]
        """.formatted(uri));

    assertThat(reports.get(0).has("error")).as("subscribe: %s", reports.get(0)).isFalse();
    assertThat(reports.get(1).get("isError").asBoolean()).isFalse();
    assertThat(reports.get(2).has("error")).as("waiting for the update: %s", reports.get(2)).isFalse();
    assertThat(reports.get(2).get("updated")).isNotEmpty().allSatisfy(u -> assertThat(u.asText()).isEqualTo(uri));
  }
}
