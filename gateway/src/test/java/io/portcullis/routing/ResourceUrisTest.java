package io.portcullis.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portcullis.testing.TestPeers;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Resource URIs in normal form (RFC 3986 §6.2.2): every spelling a URL parser reads as the same
 * resource is one string. Where the WHATWG URL parser (Node's, which the TypeScript SDK's
 * McpServer looks resources up with) normalizes, the normal form is its answer.
 */
class ResourceUrisTest {
  static final ObjectMapper JSON = new ObjectMapper();

  /** Spelling, normal form, whether Node's new URL(spelling).href is that normal form too. */
  static final Object[][] CASES = {
      {"vault://token", "vault://token", true},
      {"VAULT://token", "vault://token", true},
      {"Vault+Files://token", "vault+files://token", true},
      {"file:///public/../secret/a.txt", "file:///secret/a.txt", true},
      {"file:///public/%2e%2E/secret/a.txt", "file:///secret/a.txt", true},
      {"file:///public/./a.txt", "file:///public/a.txt", true},
      {"file:///../../secret/a.txt", "file:///secret/a.txt", true},
      {"file:/secret/a.txt", "file:///secret/a.txt", true},
      {"file:secret/a.txt", "file:///secret/a.txt", true},
      {"file://localhost/secret/a.txt", "file:///secret/a.txt", true},
      {"HTTP://Example.COM/a/./b/../c", "http://example.com/a/c", true},
      {"vault://h/a/..?x=1#f", "vault://h/?x=1#f", true},
      {"file:///docs/r\u00e9sum\u00e9.md", "file:///docs/r%C3%A9sum%C3%A9.md", true},
      {"mailto:a/../b", "mailto:a/../b", true},
      {"vault://TOKEN", "vault://TOKEN", true},
      {"file:///secret/%61.txt", "file:///secret/a.txt", false},
      {"file:///a%2fb", "file:///a%2Fb", false},
      {"vault://T%c3%a9/x", "vault://T%C3%A9/x", false},
  };

  @Test
  void everySpellingHasItsNormalFormAndItIsTheUrlParsersWhereThatNormalizes() throws Exception {
    List<String> node = nodeHrefs();
    for (int i = 0; i < CASES.length; i++) {
      assertThat(ResourceUris.normalize((String) CASES[i][0])).as("%s", CASES[i][0]).isEqualTo(CASES[i][1]);
      if ((Boolean) CASES[i][2]) {
        assertThat(node.get(i)).as("new URL(%s).href", CASES[i][0]).isEqualTo(CASES[i][1]);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"file:///public\\..\\secret/a.txt", "vault://tok\ten", "vault://to\nken", " vault://token",
      "file:///a b", "vault://token%", "vault://token%2", "vault://token%zz", "no-scheme", "://x", "1a://x", "http:/a/b", "https:x"})
  void aStringThatIsNoUriOrThatParsersReadDifferentlyIsRefused(String uri) {
    assertThatThrownBy(() -> ResourceUris.normalize(uri)).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @CsvSource({"/a/b/c/./../../g, /a/g", "mid/content=5/../6, mid/6", "/.., /", "/a/.., /", "/a/b/.., /a/", ".., ''"})
  void dotSegmentsAreRemovedAsRfc3986Section524Does(String path, String expected) {
    assertThat(ResourceUris.withoutDotSegments(path)).isEqualTo(expected);
  }

  /** new URL(spelling).href for each case, from one Node process. */
  static List<String> nodeHrefs() throws Exception {
    List<String> spellings = new ArrayList<>();
    for (Object[] c : CASES) {
      spellings.add((String) c[0]);
    }
    TestPeers.Output out = TestPeers.run(List.of(TestPeers.node(), "--input-type=module", "-e",
        "console.log(JSON.stringify(JSON.parse(process.argv[1]).map(u => new URL(u).href)))", JSON.writeValueAsString(spellings)),
        Map.of(), 30);
    assertThat(out.exitCode()).as(out.stderr()).isZero();
    List<String> hrefs = new ArrayList<>();
    for (JsonNode href : JSON.readTree(out.lastLine())) {
      hrefs.add(href.asText());
    }
    return hrefs;
  }
}
