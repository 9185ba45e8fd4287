package io.portcullis;

import io.portcullis.audit.Auditor;
import io.portcullis.auth.AuthProviders;
import io.portcullis.auth.AuthorizationServerMetadataProxy;
import io.portcullis.auth.fetch.GuardedFetcher;
import io.portcullis.auth.fetch.TargetGuard;
import io.portcullis.auth.AuthenticateStage;
import io.portcullis.auth.ProtectedResourceMetadata;
import io.portcullis.auth.ProviderChain;
import io.portcullis.auth.PublicEndpoint;
import io.portcullis.config.PortcullisConfig;
import io.portcullis.oauth.OAuthServer;
import io.portcullis.observe.HealthRoutes;
import io.portcullis.observe.Metrics;
import io.portcullis.pipeline.Pipeline;
import io.portcullis.policy.AuthorizeStage;
import io.portcullis.policy.PolicyEngine;
import io.portcullis.policy.PolicyEngines;
import io.portcullis.policy.ToolAccess;
import io.portcullis.routing.Backends;
import io.portcullis.routing.ForwardStage;
import io.portcullis.routing.RouteStage;
import io.portcullis.transport.InMemorySessionStore;
import io.portcullis.transport.McpEndpoint;
import io.portcullis.transport.ParseStage;
import io.portcullis.transport.SessionManager;
import io.portcullis.transport.SessionStage;
import io.portcullis.transport.TransportStage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * A running Portcullis: the HTTP server, the /mcp pipeline, sessions and the backends, wired from
 * one configuration. {@link #start()} completes when the server listens.
 */
public final class Gateway {
  private final Vertx vertx;
  private final PortcullisConfig config;
  private final Backends backends;
  private final SessionManager sessions;
  private final PublicEndpoint endpoint;
  private final TargetGuard guard;
  private final Metrics metrics = new Metrics();
  private final PolicyEngine policy;
  private final ProviderChain authentication;
  private final OAuthServer oauthServer;
  private Auditor auditor;
  private String servers;

  public Gateway(Vertx vertx, PortcullisConfig config) {
    this.vertx = vertx;
    this.config = config;
    this.backends = new Backends(vertx, config, metrics);
    this.sessions = new SessionManager(vertx, new InMemorySessionStore(), config.mcp().sessions());
    this.endpoint = new PublicEndpoint(config.mcp().path());
    this.guard = new TargetGuard(vertx, config.auth().allowPrivateTargets());
    this.oauthServer = openOAuthServer(vertx, config, endpoint, guard);
    this.authentication = AuthProviders.chain(vertx, config.auth(), endpoint, guard, oauthServer);
    this.policy = PolicyEngines.create(vertx, config.policy(), null);
  }

  /** Pipeline order is the security argument of {@link io.portcullis.pipeline.Phase}. */
  Pipeline pipeline(Auditor audit) {
    return Pipeline.builder()
        .add(new TransportStage(config.mcp()))
        .add(new AuthenticateStage(authentication, endpoint, config.auth(), sessions, metrics))
        .add(new ParseStage())
        .add(new SessionStage(sessions))
        .add(new RouteStage(backends.mounts()))
        .add(new AuthorizeStage(vertx, policy, new ToolAccess(config.policy().toolAccess()), config.policy().enforce(), endpoint,
            backends.mounts(), metrics))
        .add(new ForwardStage(vertx, sessions, backends, audit::refusesUnaudited))
        .build();
  }

  /** Starts the backends and the server; completes with the port actually bound. */
  public Future<Integer> start() {
    // Opening the audit sink reads its newest file to continue the hash chain: blocking work.
    return vertx.executeBlocking(() -> Auditor.openSink(config.audit()))
        .map(sink -> auditor = new Auditor(sink, config.audit(), metrics))
        .compose(this::serve);
  }

  private Future<Integer> serve(Auditor audit) {
    metrics.sessions(sessions::openSessions, sessions::openStreams);
    Router router = Router.router(vertx);
    router.route(config.mcp().path()).handler(new McpEndpoint(pipeline(audit), audit, vertx));
    HealthRoutes.mount(router, this::readiness);
    metrics.mount(router);
    // Clients probing for discovery documents must get JSON, never an HTML error page.
    router.errorHandler(404, ctx -> ctx.response().setStatusCode(404).putHeader("Content-Type", "application/json")
        .end("{\"error\":\"not_found\",\"error_description\":\"nothing is served at this path\"}"));
    router.errorHandler(405, ctx -> ctx.response().setStatusCode(405).putHeader("Content-Type", "application/json")
        .end("{\"error\":\"method_not_allowed\",\"error_description\":\"this path does not answer that method\"}"));
    new ProtectedResourceMetadata(endpoint, this::authorizationServers, advertisedScopes(config.auth()))
        .mount(router, config.mcp().path());
    if (oauthServer != null) {
      oauthServer.mount(router, config.mcp().path());
    }
    if (config.auth().externalAuthorizationServer() != null) {
      new AuthorizationServerMetadataProxy(config.auth().externalAuthorizationServer(),
          new GuardedFetcher(vertx, guard, java.time.Duration.ofSeconds(5))).mount(router, config.mcp().path());
    }
    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.server().host())
        .setPort(config.server().port())
        .setIdleTimeout(0)
        // Writes go straight to the socket instead of through a queue any thread may fill: less
        // per-write work and ~5 KB less per open stream. A write from a foreign thread then throws;
        // the MCP route's replies hop home on their own (ConnectionThread), and every shared
        // future hands back to its caller's context (SharedWork).
        .setStrictThreadMode(true);
    endpoint.bind(config.server().publicBaseUrl(config.server().port()));
    // A policy that cannot be loaded stops the gateway here: it never serves undecided requests.
    return policy.start()
        .compose(v -> backends.start())
        .compose(v -> config.server().port() == 0 ? freePort(options) : Future.succeededFuture(config.server().port()))
        .compose(port -> listen(router, options.setPort(port)).map(port))
        .map(port -> {
          endpoint.bind(config.server().publicBaseUrl(port));
          sessions.startExpiry();
          return port;
        });
  }

  /**
   * One server per event loop (server.eventLoops), all on one port: Vert.x spreads the
   * connections over servers sharing an address. A single loop would leave the other cores idle
   * (the load harness saw one loop do all the work).
   */
  private Future<Void> listen(Router router, HttpServerOptions options) {
    return vertx.deployVerticle(() -> new io.vertx.core.VerticleBase() {
      @Override
      public Future<?> start() {
        return vertx.createHttpServer(options).requestHandler(router).listen();
      }
    }, new io.vertx.core.DeploymentOptions().setInstances(config.server().eventLoops())).map(id -> {
      servers = id;
      return null;
    });
  }

  /**
   * A port free now on the configured host, for server.port 0 (servers share an explicit port
   * only). Found with a plain socket: a Vert.x server on port 0 would join another server of this
   * Vert.x already listening on port 0 and report that one's port.
   */
  private Future<Integer> freePort(HttpServerOptions options) {
    return vertx.executeBlocking(() -> {
      try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(options.getHost()))) {
        return probe.getLocalPort();
      }
    });
  }

  /** The built-in authorization server (read from its state file: blocking, so done at construction), or null. */
  private static OAuthServer openOAuthServer(Vertx vertx, PortcullisConfig config, PublicEndpoint endpoint, TargetGuard guard) {
    if (!config.auth().oauthServer().enabled()) {
      return null;
    }
    try {
      return OAuthServer.open(vertx, config.auth().oauthServer(), config.auth().scopesSupported(), endpoint, guard);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /** The issuers the protected resource metadata names: the built-in server first when it runs. */
  private java.util.List<String> authorizationServers() {
    java.util.List<String> configured = AuthProviders.authorizationServers(config.auth());
    if (oauthServer == null) {
      return configured;
    }
    java.util.List<String> all = new java.util.ArrayList<>();
    all.add(endpoint.baseUrl());
    configured.stream().filter(s -> !s.equals(endpoint.baseUrl())).forEach(all::add);
    return all;
  }

  /** Ready when the policy is loaded, the audit log writable (if required) and not every backend's circuit open. */
  private JsonObject readiness() {
    var status = policy.status();
    JsonObject policyState = new JsonObject().put("loaded", status.loaded()).put("revision", status.revision());
    if (status.lastError() != null) {
      policyState.put("lastError", status.lastError());
    }
    boolean ready = status.loaded() && backends.anyAvailable() && auditor.ready();
    return new JsonObject().put("status", ready ? "ready" : "not ready")
        .put("policy", policyState)
        .put("audit", auditor.status())
        .put("sessions", sessions.openSessions())
        .put("backends", backends.status());
  }

  /** The URL clients use for /mcp, given the bound port. */
  public String mcpUrl(int port) {
    return config.server().publicBaseUrl(port) + config.mcp().path();
  }

  /** Stops serving, ends every session (here and at the backends), then stops the backends. */
  public Future<Void> stop() {
    Future<Void> closed = servers == null ? Future.succeededFuture() : vertx.undeploy(servers);
    return closed.compose(v -> endSessionsWithin(5_000)).compose(v -> backends.stop()).compose(v -> policy.stop())
        .compose(v -> auditor == null ? Future.<Void>succeededFuture() : auditor.close());
  }

  /** A backend that does not answer its DELETEs must not hold up shutdown for long. */
  private Future<Void> endSessionsWithin(long millis) {
    io.vertx.core.Promise<Void> ended = io.vertx.core.Promise.promise();
    long timer = vertx.setTimer(millis, t -> ended.tryComplete());
    sessions.stop().onComplete(r -> {
      vertx.cancelTimer(timer);
      ended.tryComplete();
    });
    return ended.future();
  }

  /**
   * The scopes the protected resource metadata advertises: {@code auth.scopesSupported} and every
   * scope a provider requires. A client picks the scopes it asks for from this list (MCP
   * authorization, scope selection); one that does not ask for a required scope gets a token the
   * gateway refuses.
   */
  static java.util.List<String> advertisedScopes(io.portcullis.config.AuthConfig auth) {
    java.util.LinkedHashSet<String> scopes = new java.util.LinkedHashSet<>(auth.scopesSupported());
    for (var provider : auth.providers()) {
      if (provider.jwt() != null) {
        scopes.addAll(provider.jwt().requiredScopes());
      }
      if (provider.introspection() != null) {
        scopes.addAll(provider.introspection().requiredScopes());
      }
    }
    return java.util.List.copyOf(scopes);
  }
}
