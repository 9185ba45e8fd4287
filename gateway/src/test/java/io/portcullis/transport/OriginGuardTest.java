package io.portcullis.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.config.McpConfig;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OriginGuardTest {
  private static final String NONE = "(none)";

  private static OriginGuard guard(Boolean protection, List<String> allowedHosts, List<String> allowedOrigins) {
    return new OriginGuard(new McpConfig(null, null, protection, allowedHosts, allowedOrigins, null));
  }

  private static String nullable(String value) {
    return NONE.equals(value) ? null : value;
  }

  @Nested
  class WithTheDefaultConfiguration {
    private final OriginGuard guard = new OriginGuard(new McpConfig(null, null, null, null, null, null));

    @ParameterizedTest(name = "Host {0}, Origin {1}")
    @CsvSource(delimiter = '|', textBlock = """
        localhost              | (none)
        localhost:8080         | (none)
        127.0.0.1              | (none)
        127.0.0.1:8080         | (none)
        [::1]                  | (none)
        [::1]:8080             | (none)
        LOCALHOST:8080         | (none)
        localhost:8080         | http://localhost:8080
        localhost:8080         | http://localhost:3000
        localhost:8080         | https://localhost
        127.0.0.1:8080         | http://127.0.0.1:5173
        [::1]:8080             | http://[::1]:5173
        localhost:8080         | http://LocalHost:3000
        """)
    void aLoopbackHostWithALoopbackOrNoOriginIsAllowed(String host, String origin) {
      assertThat(guard.check(host, nullable(origin))).isNull();
    }

    @ParameterizedTest(name = "Host {0}, Origin {1}")
    @CsvSource(delimiter = '|', textBlock = """
        (none)                 | (none)
        ''                     | (none)
        evil.example.com       | (none)
        evil.example.com:8080  | (none)
        localhost.evil.com     | (none)
        localhost.             | (none)
        127.0.0.2:8080         | (none)
        0.0.0.0:8080           | (none)
        [::2]:8080             | (none)
        ::1                    | (none)
        evil.example.com       | http://localhost:8080
        """)
    void aHostThatIsNotLoopbackIsRefused(String host, String origin) {
      assertThat(guard.check(nullable(host), nullable(origin))).startsWith("Forbidden: Host");
    }

    @ParameterizedTest(name = "Origin {0}")
    @CsvSource(delimiter = '|', textBlock = """
        null
        http://evil.example.com
        https://evil.example.com:8080
        http://localhost.evil.com
        http://evil.example.com/localhost
        http://127.0.0.1.nip.io
        file://localhost
        chrome-extension://abcdef
        localhost
        ''
        'http://localhost:8080, http://evil.example.com'
        """)
    void aBrowserOriginThatIsNotLoopbackIsRefused(String origin) {
      assertThat(guard.check("localhost:8080", origin)).startsWith("Forbidden: Origin");
    }

    @Test
    void theRefusalNamesTheOffendingValue() {
      assertThat(guard.check("evil.example.com", null)).contains("evil.example.com");
      assertThat(guard.check("localhost", "http://evil.example.com")).contains("http://evil.example.com");
    }
  }

  @Nested
  class WithExplicitOrigins {
    private final OriginGuard guard = guard(null, null, List.of("https://app.example.com", "http://localhost:3000/"));

    @ParameterizedTest(name = "Origin {0}")
    @CsvSource({
        "https://app.example.com",
        "https://app.example.com/",
        "HTTPS://APP.EXAMPLE.COM",
        "http://localhost:3000",
        "http://localhost:3000/",
    })
    void aListedOriginIsAllowed(String origin) {
      assertThat(guard.check("localhost:8080", origin)).isNull();
    }

    @ParameterizedTest(name = "Origin {0}")
    @CsvSource({
        "http://app.example.com",
        "https://app.example.com:8443",
        "https://evil.app.example.com",
        "http://localhost:8080",
        "http://localhost",
        "null",
    })
    void anOriginNotListedIsRefusedEvenWhenItsHostIsLoopback(String origin) {
      assertThat(guard.check("localhost:8080", origin)).startsWith("Forbidden: Origin");
    }

    @Test
    void aListedOriginDoesNotExcuseAHostThatIsNotAllowed() {
      assertThat(guard.check("evil.example.com", "https://app.example.com")).startsWith("Forbidden: Host");
    }

    @Test
    void aRequestWithoutOriginStillPasses() {
      assertThat(guard.check("127.0.0.1:8080", null)).isNull();
    }
  }

  @Nested
  class WithExplicitHosts {
    private final OriginGuard guard = guard(true, List.of("mcp.example.com", "[2001:db8::1]"), null);

    @ParameterizedTest(name = "Host {0}")
    @CsvSource({"mcp.example.com", "MCP.Example.com:443", "[2001:db8::1]:8080"})
    void aListedHostIsAllowed(String host) {
      assertThat(guard.check(host, null)).isNull();
    }

    @ParameterizedTest(name = "Host {0}")
    @CsvSource({"localhost", "127.0.0.1:8080", "example.com", "mcp.example.com.evil.com"})
    void loopbackIsNotAllowedOnceHostsAreListed(String host) {
      assertThat(guard.check(host, null)).startsWith("Forbidden: Host");
    }

    @Test
    void anOriginIsJudgedByTheListedHosts() {
      assertThat(guard.check("mcp.example.com", "https://mcp.example.com")).isNull();
      assertThat(guard.check("mcp.example.com", "http://localhost:3000")).startsWith("Forbidden: Origin");
    }
  }

  @Nested
  class WithProtectionDisabled {
    private final OriginGuard guard = guard(false, null, null);

    @ParameterizedTest(name = "Host {0}, Origin {1}")
    @CsvSource(delimiter = '|', textBlock = """
        evil.example.com  | http://evil.example.com
        (none)            | null
        localhost         | (none)
        """)
    void everythingIsLetThrough(String host, String origin) {
      assertThat(guard.check(nullable(host), nullable(origin))).isNull();
    }

    @Test
    void anExplicitOriginListStillHolds() {
      OriginGuard listed = guard(false, null, List.of("https://app.example.com"));

      assertThat(listed.check("evil.example.com", "https://app.example.com")).as("any Host, a listed Origin").isNull();
      assertThat(listed.check("evil.example.com", null)).as("no Origin: not a browser").isNull();
      assertThat(listed.check("localhost", "https://evil.example")).isEqualTo("Forbidden: Origin 'https://evil.example' is not allowed");
    }
  }
}
