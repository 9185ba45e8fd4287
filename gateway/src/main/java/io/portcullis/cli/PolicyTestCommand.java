package io.portcullis.cli;

import io.portcullis.config.PortcullisConfig;
import io.portcullis.policy.OpaBinary;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code portcullis policy test}: runs the policy's Rego tests with the opa the gateway uses. */
@Command(name = "test", mixinStandardHelpOptions = true, description = "Run the policy's tests (opa test) with the gateway's opa.")
final class PolicyTestCommand implements Callable<Integer> {
  @Mixin
  ConfigOption config;

  // opa's own default is 5s per test: a table-driven test over every role and tool takes about that on a busy 2-core machine.
  @Option(names = "--timeout", defaultValue = "60s", description = "Time each test may take (opa test --timeout), default ${DEFAULT-VALUE}.")
  String timeout;

  @Override
  public Integer call() throws Exception {
    PortcullisConfig loaded = config.loadOrReport();
    if (loaded == null) {
      return 2;
    }
    Path home = ConfigOption.home();
    Path opa = OpaBinary.locate(loaded.policy().opaBinary(), home);
    Path directory = home.resolve(loaded.policy().directory());
    Process process = new ProcessBuilder(opa.toString(), "test", "--verbose", "--timeout", timeout, directory.toString()).inheritIO().start();
    return process.waitFor();
  }
}
