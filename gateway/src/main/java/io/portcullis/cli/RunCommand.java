package io.portcullis.cli;

import io.portcullis.Gateway;
import io.portcullis.config.PortcullisConfig;
import io.portcullis.config.ServerConfig;
import io.vertx.core.Vertx;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code portcullis run}: starts the gateway and serves until the process is stopped. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Start the gateway.")
final class RunCommand implements Callable<Integer> {
  private static volatile boolean serving;

  @Mixin
  ConfigOption config;

  @Option(names = "--port", paramLabel = "N", description = "Listen on this port instead of the configured one (0: any free port)")
  Integer port;

  static boolean isServing() {
    return serving;
  }

  @Override
  public Integer call() throws Exception {
    PortcullisConfig configured = config.loadOrReport();
    if (configured == null) {
      return 2;
    }
    PortcullisConfig loaded = withPort(configured);
    Vertx vertx = io.portcullis.GatewayVertx.create(loaded.server());
    Gateway gateway = new Gateway(vertx, loaded);
    try {
      int bound = gateway.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      System.out.println("Portcullis listening on " + gateway.mcpUrl(bound));
      System.out.flush();
    } catch (Exception e) {
      System.err.println("portcullis: cannot start: " + (e.getCause() == null ? e : e.getCause()).getMessage());
      vertx.close();
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        // Vert.x is closed from this thread: closing it from a callback on its own event loop hangs.
        gateway.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println("portcullis: unclean shutdown: " + e.getMessage());
      }
    }, "portcullis-shutdown"));
    serving = true;
    return 0;
  }

  private PortcullisConfig withPort(PortcullisConfig c) {
    if (port == null) {
      return c;
    }
    ServerConfig s = c.server();
    return new PortcullisConfig(new ServerConfig(s.host(), port, s.publicUrl(), s.eventLoops(), s.transport()), c.mcp(), c.auth(), c.policy(), c.backends(), c.routing(), c.audit());
  }
}
