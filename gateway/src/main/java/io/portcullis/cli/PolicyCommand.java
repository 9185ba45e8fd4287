package io.portcullis.cli;

import picocli.CommandLine.Command;

/** {@code portcullis policy}: tools for policy authors; the work is in the subcommands. */
@Command(name = "policy", mixinStandardHelpOptions = true, description = "Explain decisions and test the policy.",
    subcommands = {PolicyExplainCommand.class, PolicyTestCommand.class})
final class PolicyCommand implements Runnable {
  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "name a command: explain or test");
  }
}
