package io.portcullis.config;

import java.util.List;

/**
 * Authentication of /mcp requests: the provider chain in order, anonymous access (off unless
 * configured), what the protected resource metadata advertises, and opt-in diagnostics.
 * {@code externalAuthorizationServer}, when set, has its metadata served at the paths clients probe.
 * {@code sessionFallback} serves clients that drop their token (off by default; see its record).
 * {@code allowPrivateTargets} lets discovery, JWKS and introspection fetches reach loopback,
 * private and link-local addresses (off: such targets are refused as SSRF). {@code oauthServer} is
 * the built-in authorization server (off unless enabled).
 */
public record AuthConfig(
    AnonymousConfig anonymous,
    List<AuthProviderConfig> providers,
    List<String> authorizationServers,
    List<String> scopesSupported,
    Boolean diagnostics,
    Boolean allowPrivateTargets,
    SessionFallbackConfig sessionFallback,
    ExternalAuthorizationServerConfig externalAuthorizationServer,
    OAuthServerConfig oauthServer) {
  public AuthConfig {
    sessionFallback = sessionFallback == null ? new SessionFallbackConfig(null, null) : sessionFallback;
    anonymous = anonymous == null ? new AnonymousConfig(null, null, null) : anonymous;
    providers = providers == null ? List.of() : List.copyOf(providers);
    authorizationServers = authorizationServers == null ? List.of() : List.copyOf(authorizationServers);
    scopesSupported = scopesSupported == null ? List.of() : List.copyOf(scopesSupported);
    diagnostics = diagnostics != null && diagnostics;
    allowPrivateTargets = allowPrivateTargets != null && allowPrivateTargets;
    oauthServer = oauthServer == null ? OAuthServerConfig.disabled() : oauthServer;
  }
}
