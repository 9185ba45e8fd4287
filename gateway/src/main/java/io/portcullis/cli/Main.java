package io.portcullis.cli;

import picocli.CommandLine;

/** Entry point of portcullis.jar. */
public final class Main {
  private Main() {
  }

  public static void main(String[] args) {
    int code = new CommandLine(new PortcullisCommand()).execute(args);
    if (code != 0 || !RunCommand.isServing()) {
      System.exit(code);
    }
  }
}
