package io.portcullis.routing;

import io.portcullis.config.HttpBackendConfig;
import io.portcullis.mcp.JsonRpcRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * A backend speaking the HTTP+SSE transport of protocol 2024-11-05, which many deployed servers
 * still offer: each gateway session holds one GET stream open at {@code url}, learns from its
 * {@code endpoint} event where to POST, and receives every answer on that stream.
 */
public final class LegacySseBackend implements Backend {
  private final Vertx vertx;
  private final String name;
  private final HttpBackendConfig config;
  private final InFlightRequests inFlight = new InFlightRequests();
  private final IdTranslator ids;
  private final UpstreamHttpClient http;

  /** @param eventLoops how many event loops serve clients (the backend's connections are shared out between them) */
  public LegacySseBackend(Vertx vertx, String name, HttpBackendConfig config, int eventLoops) {
    this.vertx = vertx;
    this.name = name;
    this.config = config;
    this.ids = new IdTranslator(name, inFlight);
    this.http = new UpstreamHttpClient(vertx, name, config, eventLoops);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Future<Void> start() {
    http.start();
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> stop() {
    return http.stop();
  }

  @Override
  public Future<UpstreamSession> open(JsonRpcRequest initialize) {
    return LegacySseUpstreamSession.open(this, initialize);
  }

  Vertx vertx() {
    return vertx;
  }

  HttpBackendConfig config() {
    return config;
  }

  InFlightRequests inFlight() {
    return inFlight;
  }

  IdTranslator ids() {
    return ids;
  }

  UpstreamHttpClient http() {
    return http;
  }
}
