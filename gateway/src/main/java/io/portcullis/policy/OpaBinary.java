package io.portcullis.policy;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the {@code opa} binary the gateway builds and tests policies with. In order: the
 * configured path, the system property {@code portcullis.opa}, the environment variable
 * {@code PORTCULLIS_OPA}, {@code <home>/.tools/bin/opa} (where the build installs the pinned
 * release), then {@code opa} on the {@code PATH}.
 */
public final class OpaBinary {
  static final String PROPERTY = "portcullis.opa";
  static final String ENVIRONMENT = "PORTCULLIS_OPA";

  private OpaBinary() {
  }

  /**
   * The binary to run. {@code home} is the installation directory (null: {@code PORTCULLIS_HOME},
   * else the working directory). When nothing is found, the bare name {@code opa}: running it then
   * fails with a message that names it.
   */
  public static Path locate(String configured, Path home) {
    if (present(configured)) {
      return Path.of(configured);
    }
    if (present(System.getProperty(PROPERTY))) {
      return Path.of(System.getProperty(PROPERTY));
    }
    if (present(System.getenv(ENVIRONMENT))) {
      return Path.of(System.getenv(ENVIRONMENT));
    }
    Path tools = home(home).resolve(".tools").resolve("bin").resolve("opa");
    if (Files.isExecutable(tools)) {
      return tools;
    }
    return onPath().orElse(Path.of("opa"));
  }

  static Path home(Path home) {
    if (home != null) {
      return home;
    }
    String env = System.getenv("PORTCULLIS_HOME");
    return Path.of(present(env) ? env : "").toAbsolutePath();
  }

  private static java.util.Optional<Path> onPath() {
    String path = System.getenv("PATH");
    if (path == null) {
      return java.util.Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "opa"))) {
        return java.util.Optional.of(Path.of(dir, "opa"));
      }
    }
    return java.util.Optional.empty();
  }

  private static boolean present(String s) {
    return s != null && !s.isBlank();
  }
}
