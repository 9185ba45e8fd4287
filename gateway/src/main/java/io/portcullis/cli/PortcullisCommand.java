package io.portcullis.cli;

import io.portcullis.mcp.ServerInfo;
import picocli.CommandLine.Command;

/** The top-level {@code portcullis} command; its work is in the subcommands. */
@Command(name = "portcullis", mixinStandardHelpOptions = true, version = "portcullis " + "${sys:portcullis.version:-dev}",
    description = "A policy-enforcing gateway for the Model Context Protocol.",
    subcommands = {RunCommand.class, CheckCommand.class, PolicyCommand.class, AuditCommand.class})
public final class PortcullisCommand implements Runnable {
  static {
    System.setProperty("portcullis.version", ServerInfo.VERSION);
  }

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "name a command: run or check");
  }
}
