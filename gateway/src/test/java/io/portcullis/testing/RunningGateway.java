package io.portcullis.testing;

import io.portcullis.Gateway;
import io.portcullis.config.ConfigLoader;
import io.portcullis.config.PortcullisConfig;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** A real gateway on 127.0.0.1 with a free port, configured from YAML text, for one test class. */
public final class RunningGateway implements AutoCloseable {
  private final Vertx vertx;
  private final Gateway gateway;
  private final int port;

  private RunningGateway(Vertx vertx, Gateway gateway, int port) {
    this.vertx = vertx;
    this.gateway = gateway;
    this.port = port;
  }

  /** The repository's policies/ (the tests run in gateway/). */
  public static final String POLICIES = java.nio.file.Path.of("..", "policies").toAbsolutePath().normalize().toString();

  /**
   * Starts a gateway from YAML, which should set {@code server.port: 0}. A configuration without
   * an {@code auth:} section gets anonymous access as an admin, and one without a {@code policy:}
   * section the repository's default policy (with a decision timeout of 10 s, not 100 ms: a
   * decision past its timeout is refused, and on a machine shared by parallel builds a tenth of a
   * second is a timing assertion these tests are not about), and one without an {@code audit:}
   * section an audit log in a fresh temporary folder: tests of transport and routing are not
   * about credentials, policy or audit; tests of those configure them.
   */
  public static RunningGateway start(String yaml) throws Exception {
    String effective = yaml.contains("auth:") ? yaml : yaml + "\nauth: {anonymous: {enabled: true, subject: tester, roles: [admin]}}\n";
    effective = effective.contains("policy:") ? effective
        : effective + "\npolicy: {directory: \"" + POLICIES + "\", watch: false, timeout: 10s}\n";
    effective = effective.contains("audit:") ? effective
        : effective + "\naudit: {directory: \"" + java.nio.file.Files.createTempDirectory("portcullis-audit") + "\", fsync: never}\n";
    PortcullisConfig config = new ConfigLoader().load(
        new ByteArrayInputStream(effective.getBytes(StandardCharsets.UTF_8)), "(test)");
    Vertx vertx = io.portcullis.GatewayVertx.create(config.server());
    try {
      Gateway gateway = new Gateway(vertx, config);
      int port = gateway.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      return new RunningGateway(vertx, gateway, port);
    } catch (Exception e) {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      throw e;
    }
  }

  /**
   * A gateway in front of one HTTP backend named {@code recorder} at {@code url}, with
   * {@code httpOptions} (YAML flow-map entries, e.g. {@code "maxConnections: 2"}) added to its
   * {@code http:} settings; everything else as {@link #start} gives it.
   */
  public static RunningGateway inFrontOf(String url, String httpOptions) throws Exception {
    String options = httpOptions.isBlank() ? "" : ", " + httpOptions;
    return start("""
        server: {port: 0}
        backends:
          - name: recorder
            http: {url: "%s"%s}
        """.formatted(url, options));
  }

  public String mcpUrl() {
    return "http://127.0.0.1:" + port + "/mcp";
  }

  public int port() {
    return port;
  }

  public Vertx vertx() {
    return vertx;
  }

  @Override
  public void close() throws Exception {
    // Vert.x is closed from this thread, not from a callback on one of its own event loops.
    gateway.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
