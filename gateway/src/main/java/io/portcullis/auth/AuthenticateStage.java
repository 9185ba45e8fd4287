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
 * 401 whose WWW-Authenticate points at the protected resource metadata (403 insufficient_scope
 * naming the scopes for a valid token that lacks one; 400 for a token in the query string); a
 * provider that cannot answer is a 503; none ever becomes anonymous access.
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
      // RFC 6750 §3.1: invalid_request is a 400.
      return Future.failedFuture(GatewayException.oauth(Failure.INVALID_REQUEST, "invalid_request",
          rejected.detail(), challenge + ", error=\"invalid_request\""));
    }
    if (rejected.cause() == RejectionCause.MISSING_SCOPE) {
      // A valid token short of scopes: 403 naming them, so the client authorizes again for them rather than retrying.
      String scopes = String.join(" ", rejected.requiredScopes());
      return Future.failedFuture(GatewayException.oauth(Failure.INSUFFICIENT_SCOPE, "insufficient_scope",
          "the access token lacks a required scope; authorize again with: " + scopes,
          "Bearer error=\"insufficient_scope\", scope=\"" + scopes + "\", resource_metadata=\"" + endpoint.resourceMetadataUrl() + "\""));
    }
    if (!bearerScheme(http.getHeader("Authorization"))) {
      // No credential, or one in a scheme this resource does not take: RFC 6750 §3.1 gives no error code then.
      return Future.failedFuture(GatewayException.oauth(Failure.UNAUTHENTICATED, "invalid_token",
          "authentication required", challenge));
    }
    return Future.failedFuture(GatewayException.oauth(Failure.UNAUTHENTICATED, "invalid_token",
        "the access token is not valid", challenge + ", error=\"invalid_token\""));
  }

  /** Whether an Authorization header uses the Bearer scheme, well formed or not. */
  private static boolean bearerScheme(String authorization) {
    return authorization != null && authorization.regionMatches(true, 0, "Bearer", 0, 6)
        && (authorization.length() == 6 || authorization.charAt(6) == ' ');
  }
}
