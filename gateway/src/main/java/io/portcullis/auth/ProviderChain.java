package io.portcullis.auth;

import io.vertx.core.Future;
import java.util.List;

/**
 * The configured providers in order. The first that authenticates the request wins; the first
 * that rejects it ends the chain, so a token a provider recognised as its own and found invalid
 * never reaches the next provider or anonymous access. If no provider claims the request, it is
 * anonymous when configured, and otherwise rejected.
 */
public final class ProviderChain {
  private final List<AuthProvider> providers;
  private final Principal anonymous;

  /** {@code anonymous} is the principal for requests no provider claims, or null to refuse them. */
  public ProviderChain(List<AuthProvider> providers, Principal anonymous) {
    this.providers = List.copyOf(providers);
    this.anonymous = anonymous;
  }

  /** Completes with the outcome of the chain: authenticated or rejected, never "not mine". */
  public Future<AuthOutcome> authenticate(AuthRequest request) {
    return next(0, request);
  }

  private Future<AuthOutcome> next(int index, AuthRequest request) {
    if (index == providers.size()) {
      if (anonymous != null && !request.authorizationPresent()) {
        return Future.succeededFuture(new AuthOutcome.Authenticated(anonymous));
      }
      return Future.succeededFuture(request.authorizationPresent()
          ? AuthOutcome.Rejected.because(RejectionCause.UNKNOWN_TOKEN, "no provider recognises the credential")
          : AuthOutcome.Rejected.because(RejectionCause.NO_CREDENTIAL, "no credential was presented"));
    }
    return providers.get(index).authenticate(request)
        .recover(e -> Future.succeededFuture(new AuthOutcome.Rejected(RejectionCause.PROVIDER_UNREACHABLE,
            providers.get(index).kind() + " provider failed: " + e.getMessage(), true)))
        .compose(outcome -> outcome instanceof AuthOutcome.NotMine ? next(index + 1, request) : Future.succeededFuture(outcome));
  }
}
