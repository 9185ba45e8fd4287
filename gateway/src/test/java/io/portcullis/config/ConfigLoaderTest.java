package io.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {
  private static final Path REPO_CONFIG = Path.of(System.getProperty("user.dir")).resolve("../config/portcullis.yaml");

  private static final String ONE_HTTP_BACKEND = """
      backends:
        - name: upstream
          http:
            url: http://127.0.0.1:9000/mcp
      """;

  private static PortcullisConfig load(String yaml) throws ConfigException {
    return load(yaml, Map.of());
  }

  private static PortcullisConfig load(String yaml, Map<String, String> env) throws ConfigException {
    return new ConfigLoader(env::get).load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "test.yaml");
  }

  private static List<String> problemsOf(String yaml) {
    return problemsOf(yaml, Map.of());
  }

  private static List<String> problemsOf(String yaml, Map<String, String> env) {
    try {
      load(yaml, env);
    } catch (ConfigException e) {
      return e.problems();
    }
    throw new AssertionError("expected the configuration to be refused:\n" + yaml);
  }

  @Nested
  class Defaults {
    @Test
    void everythingLeftOutGetsItsDefault() throws Exception {
      PortcullisConfig config = load(ONE_HTTP_BACKEND);

      assertThat(config.server().host()).isEqualTo("127.0.0.1");
      assertThat(config.server().port()).isEqualTo(8080);
      assertThat(config.server().publicUrl()).isNull();
      assertThat(config.server().transport()).isEqualTo("native");
      assertThat(config.policy().decisionCache()).isEqualTo(4096);
      assertThat(config.mcp().path()).isEqualTo("/mcp");
      assertThat(config.mcp().maxBodySize()).isEqualTo(new ByteSize(4L * 1024 * 1024));
      assertThat(config.mcp().dnsRebindingProtection()).isTrue();
      assertThat(config.mcp().allowedHosts()).containsExactly("localhost", "127.0.0.1", "[::1]");
      assertThat(config.mcp().allowedOrigins()).isEmpty();
      assertThat(config.mcp().sessions().idleTimeout()).isEqualTo(Duration.ofMinutes(30));
      assertThat(config.mcp().sessions().max()).isEqualTo(10_000);
    }

    @Test
    void anHttpBackendGetsDefaultTimeoutsAndNoHeaders() throws Exception {
      HttpBackendConfig http = load(ONE_HTTP_BACKEND).backends().get(0).http();

      assertThat(http.url()).isEqualTo("http://127.0.0.1:9000/mcp");
      assertThat(http.headers()).isEmpty();
      assertThat(http.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
      assertThat(http.firstByteTimeout()).isEqualTo(Duration.ofSeconds(60));
      assertThat(http.streamIdleTimeout()).isEqualTo(Duration.ofMinutes(5));
      assertThat(http.maxConnections()).isEqualTo(64);
    }

    @Test
    void aStdioBackendGetsDefaultTimeoutsAndBackoff() throws Exception {
      StdioBackendConfig stdio = load("""
          backends:
            - name: local
              stdio:
                command: [node, server.js]
          """).backends().get(0).stdio();

      assertThat(stdio.command()).containsExactly("node", "server.js");
      assertThat(stdio.env()).isEmpty();
      assertThat(stdio.workingDirectory()).isNull();
      assertThat(stdio.startTimeout()).isEqualTo(Duration.ofSeconds(60));
      assertThat(stdio.requestTimeout()).isEqualTo(Duration.ofMinutes(5));
      assertThat(stdio.restartBackoff()).isEqualTo(Duration.ofSeconds(1));
      assertThat(stdio.maxRestartBackoff()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void jsonIsAcceptedAsWellAsYaml() throws Exception {
      PortcullisConfig config = load("""
          {"server": {"port": 9090},
           "mcp": {"sessions": {"idleTimeout": "5m"}},
           "backends": [{"name": "upstream", "http": {"url": "https://mcp.example.com/mcp"}}]}
          """);

      assertThat(config.server().port()).isEqualTo(9090);
      assertThat(config.mcp().sessions().idleTimeout()).isEqualTo(Duration.ofMinutes(5));
      assertThat(config.backends()).extracting(BackendConfig::name).containsExactly("upstream");
    }

    @Test
    void textThatIsNotYamlIsOneProblem() {
      assertThat(problemsOf("backends: [unclosed\n")).singleElement().asString().startsWith("not valid YAML or JSON");
    }

    @Test
    void aTopLevelThatIsNotAMappingIsAProblem() {
      assertThat(problemsOf("- a\n- b\n")).containsExactly("the top level must be a mapping");
    }
  }

  @Nested
  class EnvironmentVariables {
    @Test
    void aVariableIsReplacedByItsValue() throws Exception {
      PortcullisConfig config = load("""
          server:
            port: ${PORT}
          backends:
            - name: upstream
              http:
                url: ${SCHEME}://${HOST}:9000/mcp
                headers:
                  Authorization: Bearer ${TOKEN}
          """, Map.of("PORT", "7070", "SCHEME", "https", "HOST", "mcp.example.com", "TOKEN", "s3cret"));

      assertThat(config.server().port()).isEqualTo(7070);
      assertThat(config.backends().get(0).http().url()).isEqualTo("https://mcp.example.com:9000/mcp");
      assertThat(config.backends().get(0).http().headers()).containsEntry("Authorization", "Bearer s3cret");
    }

    @Test
    void aDefaultIsUsedOnlyWhenTheVariableIsUnset() throws Exception {
      String yaml = """
          server:
            port: ${PORT:-8181}
            host: ${HOST:-}
          """ + ONE_HTTP_BACKEND;

      assertThat(load(yaml).server().port()).isEqualTo(8181);
      assertThat(load(yaml).server().host()).isEmpty();
      assertThat(load(yaml, Map.of("PORT", "9191")).server().port()).isEqualTo(9191);
    }

    @Test
    void aDoubledDollarIsALiteralDollarBrace() throws Exception {
      PortcullisConfig config = load("""
          backends:
            - name: upstream
              http:
                url: http://127.0.0.1:9000/mcp
                headers:
                  X-Template: "$${NOT_A_VARIABLE} and ${SET}"
          """, Map.of("SET", "value"));

      assertThat(config.backends().get(0).http().headers()).containsEntry("X-Template", "${NOT_A_VARIABLE} and value");
    }

    @Test
    void aValueFromTheEnvironmentIsNotSubstitutedAgain() throws Exception {
      PortcullisConfig config = load("""
          backends:
            - name: upstream
              http:
                url: http://127.0.0.1:9000/mcp
                headers:
                  X-Value: ${OUTER}
          """, Map.of("OUTER", "${INNER}"));

      assertThat(config.backends().get(0).http().headers()).containsEntry("X-Value", "${INNER}");
    }

    @Test
    void keysAreNeverSubstituted() {
      assertThat(problemsOf("""
          ${KEY}: 1
          """ + ONE_HTTP_BACKEND, Map.of("KEY", "server"))).containsExactly("${KEY}: unknown key");
    }

    @Test
    void anUnsetVariableIsAProblemAtItsPath() {
      assertThat(problemsOf("""
          backends:
            - name: upstream
              http:
                url: http://127.0.0.1:9000/mcp
                headers:
                  Authorization: Bearer ${UPSTREAM_TOKEN}
          """)).containsExactly("backends[0].http.headers.Authorization: environment variable UPSTREAM_TOKEN is not set");
    }

    @Test
    void everyUnsetVariableIsReported() {
      assertThat(problemsOf("""
          server:
            host: ${HOST}
          backends:
            - name: upstream
              stdio:
                command: [node, "${SCRIPT}"]
          """)).containsExactlyInAnyOrder(
              "server.host: environment variable HOST is not set",
              "backends[0].stdio.command[1]: environment variable SCRIPT is not set");
    }
  }

  @Nested
  class UnknownKeys {
    @Test
    void unknownKeysAtEveryDepthAreReportedTogetherWithTheirPaths() {
      assertThatThrownBy(() -> load("""
          serverz: true
          mcp:
            sessions:
              idleTimout: 5m
          backends:
            - name: upstream
              http:
                url: http://127.0.0.1:9000/mcp
                header: x
          """))
          .isInstanceOfSatisfying(ConfigException.class, e -> {
            assertThat(e.problems()).containsExactlyInAnyOrder(
                "serverz: unknown key",
                "mcp.sessions.idleTimout: unknown key",
                "backends[0].http.header: unknown key");
            assertThat(e.getMessage())
                .startsWith("invalid configuration test.yaml (3 problems)")
                .contains("serverz", "mcp.sessions.idleTimout", "backends[0].http.header");
          });
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
        serverz                | true
        serverz                | {port: 1}
        serverz                | [1, 2]
        mcp.sessions.extra     | 5m
        mcp.sessions.extra     | {a: 1}
        mcp.sessions.extra     | [a]
        backends[0].http.extra | x
        backends[0].http.extra | {}
        backends[0].http.extra | [x, y]
        """)
    void anUnknownKeyIsReportedAtItsPathWhateverItsValue(String path, String value) {
      String yaml = switch (path) {
        case "serverz" -> "serverz: " + value + "\n" + ONE_HTTP_BACKEND;
        case "mcp.sessions.extra" -> "mcp:\n  sessions:\n    extra: " + value + "\n" + ONE_HTTP_BACKEND;
        default -> ONE_HTTP_BACKEND + "      extra: " + value + "\n";
      };

      assertThat(problemsOf(yaml)).containsExactly(path + ": unknown key");
    }

    @Test
    void anUnknownKeyInASecondBackendNamesItsIndex() {
      assertThat(problemsOf("""
          backends:
            - name: one
              http:
                url: http://127.0.0.1:9000/mcp
            - name: two
              stdio:
                command: [node]
                cmd: node
          """)).contains("backends[1].stdio.cmd: unknown key");
    }
  }

  @Nested
  class Units {
    @ParameterizedTest(name = "{0} is {1} ms")
    @CsvSource({"250ms, 250", "30s, 30000", "5m, 300000", "2h, 7200000", "1d, 86400000", "PT1M30S, 90000"})
    void durationsAreReadWithTheirUnit(String text, long millis) throws Exception {
      PortcullisConfig config = load("""
          mcp:
            sessions:
              idleTimeout: %s
          """.formatted(text) + ONE_HTTP_BACKEND);

      assertThat(config.mcp().sessions().idleTimeout()).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest(name = "{0} is {1} bytes")
    @CsvSource({"4MiB, 4194304", "512KiB, 524288", "1GiB, 1073741824", "2048, 2048", "8 KB, 8192", "3mib, 3145728"})
    void sizesAreReadWithTheirUnit(String text, long bytes) throws Exception {
      PortcullisConfig config = load("""
          mcp:
            maxBodySize: %s
          """.formatted(text) + ONE_HTTP_BACKEND);

      assertThat(config.mcp().maxBodySize().bytes()).isEqualTo(bytes);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"5 minutes", "-1s", "1.5s", "soon", "30"})
    void aBadDurationIsAProblemAtItsPath(String text) {
      assertThat(problemsOf("""
          backends:
            - name: upstream
              http:
                url: http://127.0.0.1:9000/mcp
                connectTimeout: "%s"
          """.formatted(text)))
          .singleElement().asString()
          .startsWith("backends[0].http.connectTimeout: ")
          .contains(text);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"4 megs", "-1", "1.5MiB", "4TiB", "99999999999GiB"})
    void aBadSizeIsAProblemAtItsPath(String text) {
      assertThat(problemsOf("""
          mcp:
            maxBodySize: "%s"
          """.formatted(text) + ONE_HTTP_BACKEND))
          .singleElement().asString()
          .startsWith("mcp.maxBodySize: ");
    }

    @Test
    void aBadDurationAndABadSizeAreReportedTogether() {
      assertThat(problemsOf("""
          mcp:
            maxBodySize: lots
            sessions:
              idleTimeout: forever
          """ + ONE_HTTP_BACKEND))
          .anySatisfy(p -> assertThat(p).startsWith("mcp.maxBodySize: "))
          .anySatisfy(p -> assertThat(p).startsWith("mcp.sessions.idleTimeout: "));
    }
  }

  @Nested
  class Validation {
    @Test
    void noBackendsIsReportedTogetherWithOtherProblems() {
      assertThat(problemsOf("""
          server:
            port: 70000
          mcp:
            path: mcp
            sessions:
              max: 0
          """)).containsExactlyInAnyOrder(
              "server.port: must be between 0 and 65535",
              "mcp.path: must start with / and name a path, e.g. /mcp",
              "mcp.sessions.max: must be at least 1",
              "backends: at least one backend is required");
    }

    @Test
    void anUnknownTransportAndANegativeDecisionCacheAreRefused() {
      assertThat(problemsOf("""
          server: {transport: io_uring}
          policy: {decisionCache: -1}
          """ + ONE_HTTP_BACKEND)).containsExactlyInAnyOrder(
              "server.transport: must be 'native' or 'nio', got 'io_uring'",
              "policy.decisionCache: must be 0 (off) or a number of decisions, got -1");
    }

    @Test
    void aToolAccessOverrideWhoseToolsAreNotAGlobIsAProblemAtItsPath() {
      assertThat(problemsOf("""
          policy:
            toolAccess:
              - {tools: "delete_*", access: destructive}
              - {tools: "[a-", access: read}
          """ + ONE_HTTP_BACKEND)).containsExactly(
              "policy.toolAccess[1].tools: invalid glob \"[a-\": '[' is not closed");
    }

    @Test
    void everyBackendProblemIsReportedTogetherWithItsPath() {
      List<String> problems = problemsOf("""
          backends:
            - name: "bad name!"
              http:
                url: http://127.0.0.1:9000/mcp
              stdio:
                command: [node]
            - name: second
              http:
                headers:
                  MCP-Session-Id: fixed
                  Host: evil.example.com
          """);

      assertThat(problems).containsExactlyInAnyOrder(
          "backends[0].name: required; a letter, then letters, digits and dashes, up to 63 characters",
          "backends[0]: set exactly one of 'http', 'sse' and 'stdio'",
          "backends[1].http.url: required, an absolute http(s) URL",
          "backends[1].http.headers.MCP-Session-Id: set by the gateway, cannot be configured",
          "backends[1].http.headers.Host: set by the gateway, cannot be configured");
    }

    @Test
    void manyBackendsMustBeNamedUnambiguously() {
      assertThat(problemsOf("""
          routing: {separator: "--"}
          backends:
            - name: git--hub
              stdio: {command: [a]}
            - name: files
              prefix: false
              stdio: {command: [b]}
            - name: db
              prefix: false
              stdio: {command: [c]}
            - name: 9lives
              stdio: {command: [d]}
          """)).containsExactlyInAnyOrder(
          "backends: at most one backend may be mounted without a prefix (prefix: false), or their names could collide",
          "backends[0].name: 'git--hub' contains the separator '--', so its tool names would be ambiguous",
          "backends[3].name: required; a letter, then letters, digits and dashes, up to 63 characters");
    }

    @Test
    void routingSettingsAreChecked() {
      assertThat(problemsOf("""
          routing: {separator: "a+b", listTimeout: 0s, circuitFailures: 0, circuitOpenFor: 0s, rejoinBackoff: 0s}
          backends:
            - name: one
              stdio: {command: [a]}
          """)).containsExactlyInAnyOrder(
          "routing.separator: must be printable ASCII without spaces, '+' or ':', e.g. __",
          "routing.listTimeout: must be positive",
          "routing.circuitFailures: must be at least 1",
          "routing.circuitOpenFor: must be positive",
          "routing.rejoinBackoff: must be positive");
    }

    @Test
    void clientCredentialsNeedTheirEndpointAndCredentialsAndExcludeAFixedAuthorizationHeader() {
      assertThat(problemsOf("""
          backends:
            - name: api
              http:
                url: http://127.0.0.1:9000/mcp
                headers: {Authorization: "Bearer fixed"}
                oauth: {tokenUrl: "not a url"}
          """)).containsExactlyInAnyOrder(
          "backends[0].http.oauth.tokenUrl: required, an absolute http(s) URL",
          "backends[0].http.oauth.clientId: required",
          "backends[0].http.oauth.clientSecret: required; give it as ${ENV_VAR}",
          "backends[0].http.oauth: set either oauth or an Authorization header, not both");
    }

    @Test
    void aBackendWithNeitherHttpNorStdioIsAProblem() {
      assertThat(problemsOf("""
          backends:
            - name: empty
          """)).containsExactly("backends[0]: set exactly one of 'http', 'sse' and 'stdio'");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"mcp-session-id", "Mcp-Protocol-Version", "Content-Length", "HOST"})
    void aHeaderTheGatewaySetsCannotBeConfigured(String header) {
      assertThat(problemsOf("""
          backends:
            - name: upstream
              http:
                url: http://127.0.0.1:9000/mcp
                headers:
                  %s: x
          """.formatted(header)))
          .containsExactly("backends[0].http.headers." + header + ": set by the gateway, cannot be configured");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"127.0.0.1:9000/mcp", "ftp://example.com/mcp", "/mcp", "http://"})
    void anHttpBackendUrlMustBeAnAbsoluteHttpUrl(String url) {
      assertThat(problemsOf("""
          backends:
            - name: upstream
              http:
                url: "%s"
          """.formatted(url))).containsExactly("backends[0].http.url: required, an absolute http(s) URL");
    }

    @Test
    void anEmptyStdioCommandIsAProblem() {
      assertThat(problemsOf("""
          backends:
            - name: local
              stdio:
                command: []
          """)).singleElement().asString().startsWith("backends[0].stdio.command: required");
    }
  }

  /** Settings that would silently weaken authentication are refused, each with its path. */
  @Nested
  class AuthSettingsThatWeakenAuthentication {
    List<String> problemsOfProvider(String provider) {
      return problemsOf("auth:\n  providers:\n    - " + provider + "\n" + ONE_HTTP_BACKEND);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "jwt: {issuer: 'http://idp.example.com'}|auth.providers[0].jwt.issuer: must be https",
        "jwt: {issuer: 'https://idp.example.com', jwksUri: 'http://keys.example.com/jwks'}|auth.providers[0].jwt.jwksUri: must be https",
        "jwt: {issuer: 'https://idp.example.com', clockSkew: 7d}|auth.providers[0].jwt.clockSkew: between 0s and 5m",
        "jwt: {issuer: 'https://idp.example.com', jwksRefreshMinInterval: 0s}|auth.providers[0].jwt.jwksRefreshMinInterval: at least 1s",
        "introspection: {endpoint: 'http://idp.example.com/introspect', clientId: gw, clientSecret: s}|auth.providers[0].introspection.endpoint: must be https",
        "introspection: {endpoint: 'https://idp.example.com/introspect', clientId: gw, clientSecret: s, cacheTtl: 30d}|auth.providers[0].introspection.cacheTtl: between 0s and 60m",
        "introspection: {endpoint: 'https://idp.example.com/introspect', clientId: gw, clientSecret: s, timeout: 0s}|auth.providers[0].introspection.timeout: more than 0s",
        "forwarded: {trustedCidrs: [0.0.0.0/0]}|auth.providers[0].forwarded.trustedCidrs[0]: '0.0.0.0/0' trusts every peer",
        "forwarded: {trustedCidrs: ['::/0']}|auth.providers[0].forwarded.trustedCidrs[0]: '::/0' trusts every peer"})
    void isRefused(String provider, String problem) {
      assertThat(problemsOfProvider(provider)).singleElement().asString().startsWith(problem);
    }

    @Test
    void plainHttpIsRefusedForTheExternalAuthorizationServerToo() {
      assertThat(problemsOf("auth:\n  externalAuthorizationServer: {issuer: 'http://sso.example.com/realms/acme'}\n"
          + ONE_HTTP_BACKEND)).singleElement().asString().startsWith("auth.externalAuthorizationServer.issuer: must be https");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "jwt: {issuer: 'http://127.0.0.1:8081/realms/dev'}",
        "jwt: {issuer: 'http://localhost:8081/realms/dev'}",
        "introspection: {endpoint: 'http://[::1]:8081/introspect', clientId: gw, clientSecret: s}"})
    void plainHttpIsAcceptedOnLoopback(String provider) throws ConfigException {
      load("auth:\n  providers:\n    - " + provider + "\n" + ONE_HTTP_BACKEND);
    }

    @Test
    void plainHttpIsAcceptedOnAPrivateNetworkTheOperatorAllowed() throws ConfigException {
      load("auth:\n  allowPrivateTargets: true\n  providers:\n    - jwt: {issuer: 'http://keycloak:8080/realms/dev'}\n" + ONE_HTTP_BACKEND);
    }
  }

  @Nested
  class ShippedConfiguration {
    @Test
    void theRepositoryConfigurationLoadsWithoutProblems() throws Exception {
      PortcullisConfig config = new ConfigLoader(name -> null).load(REPO_CONFIG);

      assertThat(config.server().port()).isEqualTo(8080);
      assertThat(config.backends()).singleElement().satisfies(b -> {
        assertThat(b.name()).isEqualTo("everything");
        assertThat(b.stdio()).isNotNull();
        assertThat(b.http()).isNull();
      });
    }

    @Test
    void theRepositoryConfigurationTakesItsPortFromTheEnvironment() throws Exception {
      PortcullisConfig config = new ConfigLoader(Map.of("PORTCULLIS_PORT", "18080")::get).load(REPO_CONFIG);

      assertThat(config.server().port()).isEqualTo(18080);
    }

    @Test
    void theEmbeddedDefaultIsTheRepositoryConfiguration() throws Exception {
      ConfigLoader loader = new ConfigLoader(name -> null);

      assertThat(loader.loadEmbeddedDefault()).isEqualTo(loader.load(REPO_CONFIG));
    }

    @Test
    void aMissingFileIsOneProblemNamingTheFile() {
      Path missing = REPO_CONFIG.resolveSibling("no-such-file.yaml");
      assertThatThrownBy(() -> new ConfigLoader(name -> null).load(missing))
          .isInstanceOfSatisfying(ConfigException.class, e -> {
            assertThat(e.problems()).singleElement().asString().startsWith("cannot read the file");
            assertThat(e.getMessage()).contains(missing.toString());
          });
    }
  }
}
