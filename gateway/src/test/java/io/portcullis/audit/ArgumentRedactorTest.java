package io.portcullis.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Arguments as the audit record shows them: configured paths redacted at any nesting, or a digest, or nothing. */
class ArgumentRedactorTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  @Test
  void aRecursivePathRedactsTheKeyAtEveryDepthInObjectsAndArrays() throws Exception {
    JsonNode args = json("""
        {"secret": "s1", "keep": 1, "nested": {"secret": {"deeper": "s2"}, "list": [{"secret": "s3"}, {"other": "x"}]}}""");
    JsonNode out = new ArgumentRedactor("record", List.of("$..secret")).apply(args);

    assertThat(out.toString()).doesNotContain("s1", "s2", "s3").contains("\"keep\":1", "\"other\":\"x\"");
    assertThat(out.at("/secret").asText()).isEqualTo(ArgumentRedactor.REDACTED);
    assertThat(out.at("/nested/secret").asText()).isEqualTo(ArgumentRedactor.REDACTED);
    assertThat(out.at("/nested/list/0/secret").asText()).isEqualTo(ArgumentRedactor.REDACTED);
    assertThat(args.at("/secret").asText()).as("the forwarded arguments are untouched").isEqualTo("s1");
  }

  @Test
  void exactPathsAndWildcardsRedactOnlyWhatTheyName() throws Exception {
    JsonNode args = json("""
        {"password": "p", "auth": {"token": "t", "user": "u"}, "items": [{"key": "k1"}, {"key": "k2"}], "tags": ["a", "b"]}""");
    JsonNode out = new ArgumentRedactor("record", List.of("$.password", "$.auth.token", "$.items[*].key", "$.tags[*]"))
        .apply(args);

    assertThat(out.toString()).doesNotContain("\"p\"", "\"t\"", "k1", "k2", "\"a\"", "\"b\"");
    assertThat(out.at("/auth/user").asText()).isEqualTo("u");
  }

  @Test
  void aDigestKeepsNoValueAndOmitKeepsNothing() throws Exception {
    JsonNode args = json("{\"secret\": \"hunter2\"}");
    JsonNode digest = new ArgumentRedactor("digest", List.of()).apply(args);
    assertThat(digest.asText()).startsWith("sha256:").doesNotContain("hunter2").hasSize(7 + 64);
    assertThat(new ArgumentRedactor("digest", List.of()).apply(json("{\"secret\": \"hunter3\"}")).asText())
        .isNotEqualTo(digest.asText());
    assertThat(new ArgumentRedactor("omit", List.of()).apply(args)).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"password", "$", "$.", "$..", "$.a..", "$a", "$.a[0]"})
  void aPathThatIsNotOneIsRefused(String path) {
    assertThatThrownBy(() -> ArgumentRedactor.parse(path)).isInstanceOf(IllegalArgumentException.class);
  }
}
