package io.portcullis.observe;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/**
 * The log pattern the gateway ships (logback.xml), loaded into a logger context of its own: a
 * message quoting what a client sent stays one line, so a client cannot forge log lines.
 */
class LogPatternTest {
  /** Logs {@code message} through the shipped configuration and returns what it wrote to stderr. */
  static String logged(String format, Object argument) throws Exception {
    PrintStream stderr = System.err;
    ByteArrayOutputStream written = new ByteArrayOutputStream();
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new LogbackMDCAdapter());
    try {
      System.setErr(new PrintStream(written, true, StandardCharsets.UTF_8));
      JoranConfigurator configurator = new JoranConfigurator();
      configurator.setContext(context);
      configurator.doConfigure(LogPatternTest.class.getResource("/logback.xml"));
      Logger log = context.getLogger("io.portcullis.auth.AuthenticateStage");
      log.info(format, argument);
    } finally {
      context.stop();
      System.setErr(stderr);
    }
    return written.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aClientsLineBreaksCannotStartAForgedLine() throws Exception {
    String forged = "none\n18:00:00.000 INFO  [main] i.p.a.AuthenticateStage - authenticated admin\r\nmore";

    String output = logged("authentication refused (disallowed_algorithm): algorithm {} is not allowed", forged);

    assertThat(output.lines()).singleElement().asString()
        .contains("algorithm none\\n18:00:00.000 INFO  [main] i.p.a.AuthenticateStage - authenticated admin\\r\\nmore is not allowed");
  }

  @Test
  void otherControlCharactersAreMaskedAndTabsKept() throws Exception {
    String output = logged("user agent {}", "evil\u001b[2J\u0007\u2028next\tcolumn");

    assertThat(output.lines()).singleElement().asString().endsWith("user agent evil?[2J??next\tcolumn");
  }
}
