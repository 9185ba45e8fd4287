package io.portcullis.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.testing.RunningGateway;
import io.portcullis.testing.TestPeers;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The MCP conformance suite's server scenarios (@modelcontextprotocol/conformance on Node 22),
 * run against the fixture server directly and through the gateway: whatever passes directly must
 * pass through the gateway, and the gateway's own DNS-rebinding protection must pass.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConformanceThroughGatewayTest {
  Process fixture;
  RunningGateway gateway;

  @BeforeAll
  void start() throws Exception {
    fixture = TestPeers.conformanceServer();
    gateway = RunningGateway.start("""
        server: {port: 0}
        backends:
          - name: conformance
            http:
              url: http://127.0.0.1:%d/mcp
        """.formatted(TestPeers.portOf(fixture)));
  }

  @AfterAll
  void stop() throws Exception {
    gateway.close();
    fixture.destroy();
  }

  static Map<String, Boolean> runSuite(String url) throws Exception {
    TestPeers.Output output = TestPeers.run(List.of(TestPeers.node(), TestPeers.script("run-conformance.mjs"), url), Map.of(), 300);
    assertThat(output.exitCode()).as("run-conformance stderr:\n%s", output.stderr()).isZero();
    JsonNode scenarios = new ObjectMapper().readTree(output.lastLine()).get("scenarios");
    Map<String, Boolean> passed = new TreeMap<>();
    scenarios.fields().forEachRemaining(e -> passed.put(e.getKey(), e.getValue().get("passed").asBoolean()));
    return passed;
  }

  @Test
  void everyScenarioThatPassesDirectlyPassesThroughTheGateway() throws Exception {
    Map<String, Boolean> direct = runSuite("http://127.0.0.1:" + TestPeers.portOf(fixture) + "/mcp");
    Map<String, Boolean> throughGateway = runSuite(gateway.mcpUrl());

    assertThat(direct).as("the suite ran its server scenarios").hasSizeGreaterThan(20);
    assertThat(throughGateway.keySet()).isEqualTo(direct.keySet());
    direct.forEach((scenario, passedDirectly) -> {
      if (passedDirectly) {
        assertThat(throughGateway.get(scenario)).as("scenario %s through the gateway", scenario).isTrue();
      }
    });
    assertThat(throughGateway.get("dns-rebinding-protection")).isTrue();
  }
}
