package io.portcullis.policy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpMethod;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A real {@code opa run --server} on a free loopback port, serving a policy directory. */
final class OpaServerProcess implements AutoCloseable {
  private final Process process;
  private final int port;
  private final Path log;

  private OpaServerProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** Starts OPA over {@code policyDir} and returns once its /health answers 200. */
  static OpaServerProcess start(Vertx vertx, Path policyDir) throws Exception {
    int port = freePort();
    Path log = Files.createTempFile("opa-server-", ".log");
    Process process = new ProcessBuilder(PolicyDirs.opa().toString(), "run", "--server", "--addr", "127.0.0.1:" + port,
        "--log-level", "error", policyDir.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    OpaServerProcess opa = new OpaServerProcess(process, port, log);
    HttpClientAgent client = vertx.createHttpClient();
    try {
      Eventually.await(vertx, Duration.ofSeconds(20), "opa run --server answers /health on port " + port, () -> {
        if (!process.isAlive()) {
          return Future.failedFuture(new IllegalStateException("opa exited: " + opa.output()));
        }
        return client.request(HttpMethod.GET, port, "127.0.0.1", "/health")
            .compose(req -> req.send())
            .map(resp -> resp.statusCode() == 200)
            .otherwise(false);
      });
    } catch (Exception e) {
      opa.close();
      throw new IllegalStateException("OPA server did not become healthy: " + opa.output(), e);
    } finally {
      client.close();
    }
    return opa;
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  String output() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try {
      Files.deleteIfExists(log);
    } catch (IOException ignored) {
      // a leftover log file in the temp directory is harmless
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
