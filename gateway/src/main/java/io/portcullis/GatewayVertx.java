package io.portcullis;

import io.portcullis.config.ServerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Vert.x instance a gateway runs on, with the I/O transport {@code server.transport} asks
 * for. The native one (Linux epoll) spends fewer system calls and wake-ups per request than Java
 * NIO; where it cannot be loaded (another OS, a missing library) the gateway says so and runs
 * on NIO rather than not at all.
 */
public final class GatewayVertx {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayVertx.class);

  private GatewayVertx() {
  }

  public static Vertx create(ServerConfig server) {
    if (ServerConfig.NATIVE.equals(server.transport())) {
      if (Transport.EPOLL.available()) {
        return Vertx.builder().withTransport(Transport.EPOLL).build();
      }
      LOG.warn("server.transport native: epoll is not available here ({}); serving with Java NIO",
          Transport.EPOLL.unavailabilityCause() == null ? "unknown cause" : Transport.EPOLL.unavailabilityCause().getMessage());
    }
    return Vertx.builder().withTransport(Transport.NIO).build();
  }
}
