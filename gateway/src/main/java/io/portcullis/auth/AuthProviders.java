package io.portcullis.auth;

import io.portcullis.auth.fetch.TargetGuard;
import io.portcullis.auth.forwarded.ForwardedAuthProvider;
import io.portcullis.auth.statictoken.StaticTokenAuthProvider;
import io.portcullis.config.AuthConfig;
import io.portcullis.config.AuthProviderConfig;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Builds the provider chain an auth configuration describes. */
public final class AuthProviders {
  private AuthProviders() {
  }

  /**
   * The chain of the configured providers. {@code guard} checks every URL a provider fetches
   * (discovery, JWKS, introspection) against SSRF; {@code oauthServer} is the built-in
   * authorization server whose tokens an {@code oauth-as} provider accepts (null when disabled).
   */
  public static ProviderChain chain(Vertx vertx, AuthConfig config, PublicEndpoint endpoint, TargetGuard guard,
      io.portcullis.oauth.OAuthServer oauthServer) {
    List<AuthProvider> providers = new ArrayList<>();
    for (AuthProviderConfig p : config.providers()) {
      providers.add(p.oauthAs() != null ? new io.portcullis.auth.oauthas.OAuthAsAuthProvider(oauthServer)
          : create(vertx, p, guard, endpoint));
    }
    Principal anonymous = config.anonymous().enabled()
        ? new Principal(config.anonymous().subject(), "anonymous", null, Set.copyOf(config.anonymous().roles()), Set.of(), Set.of(),
            java.util.Map.of(), null)
        : null;
    return new ProviderChain(providers, anonymous);
  }

  /**
   * The authorization servers to advertise: the configured ones, else an external authorization
   * server's issuer, else the issuers of jwt providers.
   */
  public static List<String> authorizationServers(AuthConfig config) {
    if (!config.authorizationServers().isEmpty()) {
      return config.authorizationServers();
    }
    if (config.externalAuthorizationServer() != null) {
      return List.of(config.externalAuthorizationServer().issuer());
    }
    return config.providers().stream().filter(p -> p.jwt() != null).map(p -> p.jwt().issuer()).distinct().toList();
  }

  private static AuthProvider create(Vertx vertx, AuthProviderConfig p, TargetGuard guard, PublicEndpoint endpoint) {
    if (p.staticTokens() != null) {
      return new StaticTokenAuthProvider(p.staticTokens());
    }
    if (p.forwarded() != null) {
      return new ForwardedAuthProvider(p.forwarded());
    }
    return RemoteProviders.create(vertx, p, guard, endpoint);
  }
}
