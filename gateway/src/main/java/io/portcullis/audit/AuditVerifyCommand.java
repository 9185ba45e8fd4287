package io.portcullis.audit;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code portcullis audit verify FILE...}: checks the hash chain of audit files given in chain
 * order. Exits 0 when it is intact, 1 naming the first record that breaks it, 2 if a file cannot
 * be read.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = "Check the hash chain of audit files, given oldest first; name the first record that breaks it.")
public final class AuditVerifyCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "FILE", description = "Audit files in chain order (oldest first).")
  List<Path> files;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    AuditVerifier.Result result;
    try {
      result = AuditVerifier.verify(files);
    } catch (IOException e) {
      err.println("cannot read audit file: " + e);
      return 2;
    }
    if (result.firstBreak().isPresent()) {
      err.println("chain broken after " + result.records() + " intact records at " + result.firstBreak().get().describe());
      return 1;
    }
    String start = result.startsAt() == null || result.startsAt().equals(HashChain.GENESIS)
        ? ""
        : " (the first record continues from an earlier one, prev " + result.startsAt() + ")";
    out.println(result.records() + " records, chain intact" + start);
    return 0;
  }
}
