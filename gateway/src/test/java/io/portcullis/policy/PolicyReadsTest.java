package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PolicyReadsTest {
  private static PolicyReads scan(String body) {
    return PolicyReads.scan(List.of("package mcp.authz\n\nimport rego.v1\n\n" + body + "\n"));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "allow if input.arguments.path == \"/tmp\"",
      "allow if input . arguments",
      "allow if input[\"arguments\"].path",
      "import input.arguments as args\nallow if args.path",
      "import input\nallow if input.principal",
      "allow if { x := input; x.arguments }",
      "allow if input[k]",
      "allow if object.get(input, \"arguments\", {})",
      "allow if some k, v in input",
      "allow if walk(input, [p, v])",
      "allow if { input.principal.subject == \"a\"; input.arguments }",
  })
  void aPossibleReadOfTheArgumentsCounts(String rule) {
    assertThat(scan(rule).arguments()).as(rule).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "allow if input.principal.subject == \"a\"",
      "allow if input[\"target\"].name == \"x\"",
      "allow if \"editor\" in input.principal.roles",
      "# allow if input.arguments.path\nallow if input.action == \"ping\"",
      "allow if input.action == \"input.arguments\"",
      "allow if input.action == `input.arguments`",
      "decisions := [d | some item in input.items; d := decision with input as item]",
      "allow if data.x.input.arguments",
      "allow if input_arguments",
  })
  void noReadOfTheArgumentsIsFoundWhereThereIsNone(String rule) {
    assertThat(scan(rule).arguments()).as(rule).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"time.now_ns()", "rand.intn(\"x\", 10)", "uuid.rfc4122(\"x\")", "http.send({})",
      "net.lookup_ip_addr(\"a\")", "opa.runtime()", "io.jwt.decode_verify(t, {})"})
  void aNonDeterministicBuiltinMakesThePolicyNonDeterministic(String call) {
    assertThat(scan("x := " + call).deterministic()).as(call).isFalse();
  }

  @Test
  void aBuiltinNamedOnlyInACommentOrAStringDoesNotCount() {
    assertThat(scan("# time.now_ns()\nreason := \"time.now_ns() is not called\"").deterministic()).isTrue();
    assertThat(scan("x := time.parse_rfc3339_ns(\"2026-01-01T00:00:00Z\")").deterministic()).isTrue();
  }

  @Test
  void theShippedPolicyIsDeterministicAndDoesNotReadArguments() throws IOException {
    Path shipped = PolicyDirs.defaultPolicies();
    List<String> sources;
    try (Stream<Path> walk = Files.walk(shipped)) {
      sources = walk.filter(f -> f.toString().endsWith(".rego")).map(f -> {
        try {
          return Files.readString(f);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).toList();
    }

    assertThat(sources).isNotEmpty();
    assertThat(PolicyReads.scan(sources)).isEqualTo(new PolicyReads(false, true));
  }
}
