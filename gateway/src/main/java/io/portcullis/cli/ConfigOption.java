package io.portcullis.cli;

import io.portcullis.config.ConfigException;
import io.portcullis.config.ConfigLoader;
import io.portcullis.config.PortcullisConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --config FILE} option shared by commands; without it, the embedded default. */
final class ConfigOption {
  @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML or JSON configuration (default: the embedded default)")
  Path file;

  PortcullisConfig load() throws ConfigException {
    ConfigLoader loader = new ConfigLoader();
    return file == null ? loader.loadEmbeddedDefault() : loader.load(file);
  }

  /** The configuration, or null after printing its problems to stderr (the caller exits non-zero). */
  PortcullisConfig loadOrReport() {
    try {
      return load();
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      return null;
    }
  }

  /** The installation directory: PORTCULLIS_HOME (set by the launcher), else the working directory. */
  static java.nio.file.Path home() {
    String home = System.getenv("PORTCULLIS_HOME");
    return java.nio.file.Path.of(home == null ? "." : home).toAbsolutePath();
  }

  String describe() {
    return file == null ? "(embedded default)" : file.toString();
  }
}
