package io.portcullis.auth;

import io.portcullis.config.AuthConfig;
import io.portcullis.config.AuthProviderConfig;
import io.vertx.core.Vertx;

/** Builds the providers that verify tokens against a remote party: jwt and introspection. */
final class RemoteProviders {
  private RemoteProviders() {
  }

  static AuthProvider create(Vertx vertx, AuthProviderConfig p, AuthConfig config, PublicEndpoint endpoint) {
    throw new IllegalArgumentException("jwt and introspection providers are being wired in");
  }
}
