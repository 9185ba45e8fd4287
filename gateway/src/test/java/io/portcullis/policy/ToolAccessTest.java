package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.config.PolicyConfig.ToolAccessOverride;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A tool's access class: the operator's override (backend, and a glob on the backend's tool name
 * with the policy's glob semantics) wins over the tool's annotations, read as the specification
 * defines them.
 */
class ToolAccessTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final ToolAccess ACCESS = new ToolAccess(List.of(
      new ToolAccessOverride("crm", "*delete*", "destructive"),
      new ToolAccessOverride(null, "inspect", "read")));

  @ParameterizedTest(name = "{1} on {0} with {2}: {3}")
  @CsvSource(delimiter = '|', value = {
      "crm   | admin/delete_user   | {\"readOnlyHint\": true}                          | destructive",
      "crm   | users.delete        | {\"readOnlyHint\": true}                          | destructive",
      "crm   | a\u0000delete        | {\"readOnlyHint\": true}                          | destructive",
      "other | admin/delete_user   | {\"readOnlyHint\": true}                          | read",
      "other | inspect             |                                                   | read",
      "crm   | lookup              | {\"readOnlyHint\": true}                          | read",
      "crm   | annotate            | {\"readOnlyHint\": false, \"destructiveHint\": false} | write",
      "crm   | purge               | {\"readOnlyHint\": false}                         | destructive",
      "crm   | purge               |                                                   | destructive"})
  void theOverrideWinsOverTheAnnotationsWhichOtherwiseDecide(String backend, String tool, String annotations, String expected)
      throws Exception {
    JsonNode definition = JSON.createObjectNode().put("name", tool);
    if (annotations != null) {
      ((com.fasterxml.jackson.databind.node.ObjectNode) definition).set("annotations", JSON.readTree(annotations));
    }

    assertThat(ACCESS.classify(backend, tool, definition)).isEqualTo(expected);
  }
}
