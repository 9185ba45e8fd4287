package io.portcullis.auth;

import io.portcullis.config.AuthConfig;
import io.portcullis.observe.Metrics;
import io.portcullis.pipeline.Exchange;
import io.portcullis.pipeline.Failure;
import io.portcullis.pipeline.GatewayException;
import io.portcullis.pipeline.Phase;
import io.portcullis.pipeline.Stage;
import io.portcullis.transport.SessionManager;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates every /mcp request from its headers, before its body is parsed. A rejection is a
 * 401 whose WWW-Authenticate points at the protected resource metadata; a provider that cannot
 * answer is a 503; neither ever becomes anonymous access.
 */
public final class AuthenticateStage implements Stage {
  private static final Logger LOG = LoggerFactory.getLogger(AuthenticateStage.class);

  private final ProviderChain chain;
  private final PublicEndpoint endpoint;
  private final AuthDiagnostics diagnostics;
  private final SessionFallback fallback;
  private final Metrics metrics;

  public AuthenticateStage(ProviderChain chain, PublicEndpoint endpoint, AuthConfig config, SessionManager sessions, Metrics metrics) {
    this.chain = chain;
    this.metrics = metrics;
    this.endpoint = endpoint;
    this.diagnostics = config.diagnostics() ? new AuthDiagnostics() : null;
    this.fallback = config.sessionFallback().enabled() ? new SessionFallback(sessions, config.sessionFallback()) : null;
  }

  @Override
  public Phase phase() {
    return Phase.AUTHENTICATE;
  }

  @Override
  public Future<Exchange> apply(Exchange exchange) {
    HttpServerRequest http = exchange.http();
    AuthRequest request = AuthRequest.of(http);
    if (diagnostics != null) {
      diagnostics.logRequest(http, request);
    }
    if (http.params().contains("access_token")) {
      return reject(http, request, AuthOutcome.Rejected.because(RejectionCause.TOKEN_IN_QUERY,
          "a token in the query string is never accepted; send it in the Authorization header"));
    }
    return chain.authenticate(request).compose(outcome -> {
      if (outcome instanceof AuthOutcome.Authenticated authenticated) {
        return Future.succeededFuture(exchange.withPrincipal(authenticated.principal()));
      }
      AuthOutcome.Rejected rejected = (AuthOutcome.Rejected) outcome;
      if (fallback != null && rejected.cause() == RejectionCause.NO_CREDENTIAL) {
        var principal = fallback.principalFor(http, request);
        if (principal.isPresent()) {
          return Future.succeededFuture(exchange.withPrincipal(principal.get()));
        }
      }
      return reject(http, request, rejected);
    });
  }

  private Future<Exchange> reject(HttpServerRequest http, AuthRequest request, AuthOutcome.Rejected rejected) {
    LOG.info("authentication refused ({}): {} [peer {}, user agent {}]", rejected.cause().label(), rejected.detail(),
        request.peerAddress(), http.getHeader("User-Agent"));
    metrics.authenticationFailed(rejected.cause().label());
    if (rejected.unavailable()) {
      return Future.failedFuture(GatewayException.oauth(Failure.AUTH_UNAVAILABLE, "temporarily_unavailable",
          "authentication is temporarily unavailable", null));
    }
    String challenge = "Bearer resource_metadata=\"" + endpoint.resourceMetadataUrl() + "\"";
    if (rejected.cause() == RejectionCause.TOKEN_IN_QUERY) {
      return Future.failedFuture(GatewayException.oauth(Failure.UNAUTHENTICATED, "invalid_request",
          rejected.detail(), challenge + ", error=\"invalid_request\""));
    }
    if (!request.authorizationPresent()) {
      return Future.failedFuture(GatewayException.oauth(Failure.UNAUTHENTICATED, "invalid_token",
          "authentication required", challenge));
    }
    return Future.failedFuture(GatewayException.oauth(Failure.UNAUTHENTICATED, "invalid_token",
        "the access token is not valid", challenge + ", error=\"invalid_token\""));
  }
}
