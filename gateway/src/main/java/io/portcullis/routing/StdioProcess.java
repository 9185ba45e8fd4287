package io.portcullis.routing;

import io.portcullis.config.StdioBackendConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One launch of a stdio backend's command: newline-delimited messages in on stdin, out on
 * stdout, stderr logged line by line. Blocking process I/O stays off the event loops: writes go
 * through a one-thread worker (so they keep their order), reads run on two daemon threads.
 */
final class StdioProcess {
  private static final Logger LOG = LoggerFactory.getLogger(StdioProcess.class);

  private final String backend;
  private final Process process;
  private final OutputStream stdin;
  private final WorkerExecutor writer;

  private StdioProcess(String backend, Process process, WorkerExecutor writer) {
    this.backend = backend;
    this.process = process;
    this.stdin = process.getOutputStream();
    this.writer = writer;
  }

  /**
   * Launches the command on a worker thread. {@code onLine} receives each stdout line on a reader
   * thread; {@code onExit} the exit code once the process has ended and its output is read.
   */
  static Future<StdioProcess> launch(Vertx vertx, String backend, StdioBackendConfig config,
      Consumer<String> onLine, Consumer<Integer> onExit) {
    return vertx.executeBlocking(() -> {
      ProcessBuilder builder = new ProcessBuilder(config.command());
      builder.environment().putAll(config.env());
      if (config.workingDirectory() != null) {
        builder.directory(new File(config.workingDirectory()));
      }
      Process process = builder.start();
      WorkerExecutor writer = vertx.createSharedWorkerExecutor("portcullis-stdio-" + backend + "-" + process.pid(), 1);
      StdioProcess launched = new StdioProcess(backend, process, writer);
      Thread out = reader("stdout", process, () -> launched.pumpStdout(onLine));
      reader("stderr", process, launched::pumpStderr);
      process.onExit().thenRun(() -> {
        try {
          out.join(2_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        writer.close();
        onExit.accept(process.exitValue());
      });
      LOG.info("backend '{}': started {} (pid {})", backend, config.command(), process.pid());
      return launched;
    });
  }

  private static Thread reader(String stream, Process process, Runnable pump) {
    Thread thread = new Thread(pump, "portcullis-stdio-" + process.pid() + "-" + stream);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  private void pumpStdout(Consumer<String> onLine) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (!line.isBlank()) {
          onLine.accept(line);
        }
      }
    } catch (IOException e) {
      LOG.debug("backend '{}': stdout closed: {}", backend, e.toString());
    }
  }

  private void pumpStderr() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        LOG.info("backend '{}' stderr: {}", backend, line);
      }
    } catch (IOException e) {
      LOG.debug("backend '{}': stderr closed: {}", backend, e.toString());
    }
  }

  /** Writes one message line; the future fails if the process no longer reads its stdin. */
  Future<Void> write(byte[] json) {
    return writer.executeBlocking(() -> {
      synchronized (stdin) {
        stdin.write(json);
        stdin.write('\n');
        stdin.flush();
      }
      return null;
    }, true);
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Asks the process to end, and kills it if it has not after a grace period. */
  Future<Void> stop(Vertx vertx) {
    return vertx.executeBlocking(() -> {
      try {
        stdin.close();
      } catch (IOException ignored) {
        // The process may already be gone; destroying it below is what matters.
      }
      process.destroy();
      if (!process.waitFor(3, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
      return null;
    });
  }
}
