package io.portcullis.cli;

import io.portcullis.config.ConfigException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code portcullis check}: validates a configuration and lists every problem. */
@Command(name = "check", mixinStandardHelpOptions = true, description = "Validate a configuration file and exit.")
final class CheckCommand implements Callable<Integer> {
  @Mixin
  ConfigOption config;

  @Override
  public Integer call() {
    try {
      config.load();
      System.out.println("configuration " + config.describe() + " is valid");
      return 0;
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      return 1;
    }
  }
}
