package io.portcullis.auth;

import io.portcullis.auth.fetch.TargetGuard;
import io.portcullis.auth.introspection.IntrospectionAuthProvider;
import io.portcullis.auth.jwt.JwtAuthProvider;
import io.portcullis.config.AuthProviderConfig;
import io.vertx.core.Vertx;

/** Builds the providers that verify tokens against a remote party: jwt and introspection. */
final class RemoteProviders {
  private RemoteProviders() {
  }

  static AuthProvider create(Vertx vertx, AuthProviderConfig p, TargetGuard guard, PublicEndpoint endpoint) {
    if (p.jwt() != null) {
      return new JwtAuthProvider(vertx, p.jwt(), endpoint::mcpUrl, guard);
    }
    if (p.introspection() != null) {
      return new IntrospectionAuthProvider(vertx, p.introspection(), endpoint::mcpUrl, guard);
    }
    throw new IllegalArgumentException("a provider must be one of static, jwt, introspection, forwarded");
  }
}
