package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The gateway's globs mean what the policy's do: every case is also put to the real opa's
 * {@code glob.match(pattern, null, value)}, the call the Rego rules make.
 */
class GlobTest {
  static final ObjectMapper JSON = new ObjectMapper();

  /** Pattern, value, whether it matches. */
  static final Object[][] CASES = {
      {"*delete*", "admin/delete_user", true},
      {"*delete*", "crm.delete", true},
      {"delete_*", "delete_a/b", true},
      {"*", "line\nbreak", true},
      {"*", "", true},
      {"a?c", "a/c", true},
      {"a?c", "ac", false},
      {"?", "é", true},
      {"[a-c]x", "bx", true},
      {"[a-c]x", "dx", false},
      {"[!a-c]x", "dx", true},
      {"[!a]x", "ax", false},
      {"[xyz]", "y", true},
      {"{get,list}_*", "list_users", true},
      {"{get,list}_*", "put_users", false},
      {"{a,b*}c", "bzzc", true},
      {"a\\*", "a*", true},
      {"a\\*", "ab", false},
      {"a,b\\}", "a,b}", true},
      {"Delete*", "delete_user", false},
      {"*delete*", "admin/\u0000delete", true},
      {"a.b", "axb", false},
  };

  @Test
  void everyCaseMatchesAsTheRealOpaMatchesIt() throws Exception {
    List<Boolean> opa = opaGlobMatch();
    for (int i = 0; i < CASES.length; i++) {
      String pattern = (String) CASES[i][0];
      String value = (String) CASES[i][1];
      assertThat(Glob.of(pattern).matches(value)).as("glob %s on %s", pattern, value.replace("\n", "\\n"))
          .isEqualTo(CASES[i][2]).isEqualTo(opa.get(i));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"[", "[a-", "[a-z", "[]", "{a,b", "a\\", "[z-a]", "[a-cd]", "a}", "a]"})
  void aPatternThatIsNotAGlobIsRefusedWithWhy(String pattern) {
    assertThatThrownBy(() -> Glob.of(pattern)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("invalid glob \"" + pattern + "\": ");
  }

  /** Each case's value of glob.match(pattern, null, value), from one opa eval. */
  static List<Boolean> opaGlobMatch() throws Exception {
    ArrayNode input = JSON.createArrayNode();
    for (Object[] c : CASES) {
      input.addArray().add((String) c[0]).add((String) c[1]);
    }
    Process opa = new ProcessBuilder(PolicyDirs.opa().toString(), "eval", "-I", "-f", "raw",
        "[glob.match(c[0], null, c[1]) | some c in input]").redirectErrorStream(true).start();
    opa.getOutputStream().write(JSON.writeValueAsBytes(input));
    opa.getOutputStream().close();
    String out = new String(opa.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(opa.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(opa.exitValue()).as(out).isZero();
    List<Boolean> results = new ArrayList<>();
    JsonNode array = JSON.readTree(out);
    array.forEach(b -> results.add(b.asBoolean()));
    assertThat(results).as(out).hasSize(CASES.length);
    return results;
  }
}
