package io.portcullis.cli;

import io.portcullis.audit.AuditVerifyCommand;
import picocli.CommandLine.Command;

/** {@code portcullis audit}: tools for the audit log; the work is in the subcommands. */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Check the audit log.",
    subcommands = {AuditVerifyCommand.class})
final class AuditCommand implements Runnable {
  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "name a command: verify");
  }
}
