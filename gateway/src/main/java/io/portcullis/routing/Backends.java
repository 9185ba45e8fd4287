package io.portcullis.routing;

import io.portcullis.config.BackendConfig;
import io.vertx.core.Vertx;

/** Builds the backend a configuration describes. */
public final class Backends {
  private Backends() {
  }

  public static Backend create(Vertx vertx, BackendConfig config) {
    if (config.http() != null) {
      return new HttpBackend(vertx, config.name(), config.http());
    }
    return new StdioBackend(vertx, config.name(), config.stdio());
  }
}
