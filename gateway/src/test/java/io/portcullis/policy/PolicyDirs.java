package io.portcullis.policy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Policy directories for tests: copies of the frozen fixture or of policies/, and Rego written inline. */
final class PolicyDirs {
  private PolicyDirs() {
  }

  /** The opa binary the build installed (surefire sets {@code portcullis.opa}). */
  static Path opa() {
    String opa = System.getProperty("portcullis.opa");
    if (opa == null || !Files.isExecutable(Path.of(opa))) {
      throw new IllegalStateException("system property portcullis.opa must name the opa binary (run the tests through Maven), got " + opa);
    }
    return Path.of(opa);
  }

  /** A copy of src/test/resources/policies-fixture in {@code parent}. */
  static Path fixtureCopy(Path parent) {
    try {
      Path fixture = Path.of(PolicyDirs.class.getResource("/policies-fixture").toURI());
      return copy(fixture, parent.resolve("policies-fixture"));
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The repository's policies/ directory (the default policy). */
  static Path defaultPolicies() {
    Path cwd = Path.of("").toAbsolutePath();
    Path candidate = cwd.resolve("policies");
    return Files.isDirectory(candidate) && !cwd.getFileName().toString().equals("gateway") ? candidate : cwd.getParent().resolve("policies");
  }

  static Path copy(Path from, Path to) {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
      return to;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A directory holding one Rego file {@code mcp/authz.rego} with the given text. */
  static Path withRego(Path parent, String name, String rego) {
    Path dir = parent.resolve(name);
    write(dir.resolve("mcp").resolve("authz.rego"), rego);
    return dir;
  }

  static void write(Path file, String text) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
