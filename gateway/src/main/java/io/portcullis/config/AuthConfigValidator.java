package io.portcullis.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Checks the auth section: each provider well formed, nothing that would silently weaken it. */
final class AuthConfigValidator {
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");
  private static final Set<String> ASYMMETRIC = Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
      "ES256", "ES384", "ES512", "EdDSA");
  private static final Pattern ADDRESS_BLOCK = Pattern.compile("[0-9a-fA-F.:]+(/\\d{1,3})?");
  private static final Set<String> LOOPBACK_HOSTS = Set.of("localhost", "[::1]", "::1");
  private static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);
  private static final Duration MAX_INTROSPECTION_CACHE = Duration.ofHours(1);

  void validate(AuthConfig auth, List<String> problems) {
    for (int i = 0; i < auth.providers().size(); i++) {
      AuthProviderConfig p = auth.providers().get(i);
      String at = "auth.providers[" + i + "]";
      int kinds = (p.staticTokens() == null ? 0 : 1) + (p.jwt() == null ? 0 : 1)
          + (p.introspection() == null ? 0 : 1) + (p.forwarded() == null ? 0 : 1) + (p.oauthAs() == null ? 0 : 1);
      if (kinds != 1) {
        problems.add(at + ": set exactly one of 'static', 'jwt', 'introspection', 'forwarded' and 'oauth-as'");
        continue;
      }
      if (p.oauthAs() != null) {
        if (!auth.oauthServer().enabled()) {
          problems.add(at + ".oauth-as: accepts the built-in authorization server's tokens; enable auth.oauthServer");
        }
        continue;
      }
      if (p.staticTokens() != null) {
        validateStatic(p.staticTokens(), at + ".static", problems);
      } else if (p.jwt() != null) {
        validateJwt(p.jwt(), at + ".jwt", auth.allowPrivateTargets(), problems);
      } else if (p.introspection() != null) {
        validateIntrospection(p.introspection(), at + ".introspection", auth.allowPrivateTargets(), problems);
      } else {
        validateForwarded(p.forwarded(), at + ".forwarded", problems);
      }
    }
    validateOAuthServer(auth.oauthServer(), auth.allowPrivateTargets(), problems);
    if (auth.oauthServer().enabled() && auth.externalAuthorizationServer() != null) {
      problems.add("auth.externalAuthorizationServer: cannot be set while auth.oauthServer is enabled: both would answer the same discovery paths");
    }
    ExternalAuthorizationServerConfig external = auth.externalAuthorizationServer();
    if (external != null) {
      if (external.issuer() == null || !isHttpUrl(external.issuer())) {
        problems.add("auth.externalAuthorizationServer.issuer: required, an absolute http(s) URL");
      } else {
        requireTls(external.issuer(), "auth.externalAuthorizationServer.issuer", auth.allowPrivateTargets(), problems);
      }
      if (external.metadataUrl() != null && !isHttpUrl(external.metadataUrl())) {
        problems.add("auth.externalAuthorizationServer.metadataUrl: must be an absolute http(s) URL");
      } else if (external.metadataUrl() != null) {
        requireTls(external.metadataUrl(), "auth.externalAuthorizationServer.metadataUrl", auth.allowPrivateTargets(), problems);
      }
    }
    if (auth.sessionFallback().enabled() && auth.sessionFallback().userAgents().isEmpty()) {
      problems.add("auth.sessionFallback.userAgents: name the clients (user-agent patterns) that may use it");
    }
    for (int i = 0; i < auth.sessionFallback().userAgents().size(); i++) {
      try {
        java.util.regex.Pattern.compile(auth.sessionFallback().userAgents().get(i));
      } catch (java.util.regex.PatternSyntaxException e) {
        problems.add("auth.sessionFallback.userAgents[" + i + "]: not a regular expression: " + e.getDescription());
      }
    }
    for (int i = 0; i < auth.authorizationServers().size(); i++) {
      if (!isHttpUrl(auth.authorizationServers().get(i))) {
        problems.add("auth.authorizationServers[" + i + "]: must be an absolute http(s) URL");
      }
    }
  }

  private void validateStatic(StaticProviderConfig config, String at, List<String> problems) {
    if (config.tokens().isEmpty()) {
      problems.add(at + ".tokens: at least one token is required");
    }
    for (int i = 0; i < config.tokens().size(); i++) {
      StaticProviderConfig.StaticToken t = config.tokens().get(i);
      String tat = at + ".tokens[" + i + "]";
      if ((t.sha256() == null) == (t.token() == null)) {
        problems.add(tat + ": set exactly one of 'sha256' (hex digest) and 'token' (only as ${ENV})");
      } else if (t.sha256() != null && !SHA256_HEX.matcher(t.sha256().trim()).matches()) {
        problems.add(tat + ".sha256: must be 64 hex digits (the SHA-256 of the token)");
      } else if (t.token() != null && t.token().length() < 16) {
        problems.add(tat + ".token: too short to be a secret (at least 16 characters)");
      }
      if (t.subject() == null || t.subject().isBlank()) {
        problems.add(tat + ".subject: required");
      }
    }
  }

  private void validateJwt(JwtProviderConfig config, String at, boolean allowPrivate, List<String> problems) {
    if (config.issuer() == null || !isHttpUrl(config.issuer())) {
      problems.add(at + ".issuer: required, the exact 'iss' of the tokens (an absolute http(s) URL)");
    } else {
      requireTls(config.issuer(), at + ".issuer", allowPrivate, problems);
    }
    if (config.jwksUri() != null && !isHttpUrl(config.jwksUri())) {
      problems.add(at + ".jwksUri: must be an absolute http(s) URL");
    } else if (config.jwksUri() != null) {
      requireTls(config.jwksUri(), at + ".jwksUri", allowPrivate, problems);
    }
    if (config.clockSkew().isNegative() || config.clockSkew().compareTo(MAX_CLOCK_SKEW) > 0) {
      problems.add(at + ".clockSkew: between 0s and " + MAX_CLOCK_SKEW.toMinutes() + "m (it extends every token's life by as much)");
    }
    if (config.jwksRefreshMinInterval().compareTo(Duration.ofSeconds(1)) < 0) {
      problems.add(at + ".jwksRefreshMinInterval: at least 1s (each token with an unknown kid may refetch the keys this often)");
    }
    if (config.algorithms().isEmpty()) {
      problems.add(at + ".algorithms: at least one is required");
    }
    for (String alg : config.algorithms()) {
      if (!ASYMMETRIC.contains(alg)) {
        problems.add(at + ".algorithms: '" + alg + "' is not allowed (only " + String.join(", ", ASYMMETRIC.stream().sorted().toList())
            + "; never none or HMAC)");
      }
    }
    if (config.cacheSize() < 0) {
      problems.add(at + ".cacheSize: cannot be negative");
    }
  }

  private void validateIntrospection(IntrospectionProviderConfig config, String at, boolean allowPrivate, List<String> problems) {
    if (config.endpoint() == null || !isHttpUrl(config.endpoint())) {
      problems.add(at + ".endpoint: required, an absolute http(s) URL");
    } else {
      requireTls(config.endpoint(), at + ".endpoint", allowPrivate, problems);
    }
    if (config.timeout().isNegative() || config.timeout().isZero() || config.timeout().compareTo(Duration.ofMinutes(1)) > 0) {
      problems.add(at + ".timeout: more than 0s and at most 1m");
    }
    if (config.maxInFlightPerPeer() < 1) {
      problems.add(at + ".maxInFlightPerPeer: at least 1");
    }
    if (config.cacheTtl().isNegative() || config.cacheTtl().compareTo(MAX_INTROSPECTION_CACHE) > 0) {
      problems.add(at + ".cacheTtl: between 0s and " + MAX_INTROSPECTION_CACHE.toMinutes()
          + "m (a revoked token is still accepted for as long as its answer is cached)");
    }
    if (config.clientId() == null || config.clientSecret() == null) {
      problems.add(at + ": clientId and clientSecret are required (the gateway authenticates to the endpoint)");
    }
    if (config.issuer() != null && !isHttpUrl(config.issuer())) {
      problems.add(at + ".issuer: must be the exact 'iss' of the tokens, an absolute http(s) URL");
    }
  }

  private void validateForwarded(ForwardedProviderConfig config, String at, List<String> problems) {
    if (config.trustedCidrs().isEmpty()) {
      problems.add(at + ".trustedCidrs: required and not empty: headers are believed only from these peers");
    }
    for (int i = 0; i < config.trustedCidrs().size(); i++) {
      String block = config.trustedCidrs().get(i).trim();
      if (!ADDRESS_BLOCK.matcher(block).matches()) {
        problems.add(at + ".trustedCidrs[" + i + "]: '" + config.trustedCidrs().get(i) + "' is not an address block such as 10.0.0.0/8");
      } else if (block.endsWith("/0")) {
        problems.add(at + ".trustedCidrs[" + i + "]: '" + block + "' trusts every peer, so anyone could name any user; list the proxy's own addresses");
      }
    }
  }

  /**
   * Refuses plain http to a host that is not loopback unless private targets are allowed: keys,
   * discovery documents and introspection answers fetched over it could be rewritten on the way,
   * and the introspection client's secret read.
   */
  private static void requireTls(String url, String at, boolean allowPrivate, List<String> problems) {
    URI uri = URI.create(url);
    if ("http".equals(uri.getScheme()) && !allowPrivate && !LOOPBACK_HOSTS.contains(uri.getHost().toLowerCase(java.util.Locale.ROOT))
        && !uri.getHost().startsWith("127.")) {
      problems.add(at + ": must be https (plain http is accepted only on loopback, or with auth.allowPrivateTargets: true"
          + " for a private network)");
    }
  }

  private static boolean isHttpUrl(String text) {
    try {
      URI uri = new URI(text);
      return uri.getHost() != null && ("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()));
    } catch (Exception e) {
      return false;
    }
  }

  private void validateOAuthServer(OAuthServerConfig server, boolean allowPrivate, List<String> problems) {
    if (!server.enabled()) {
      return;
    }
    String at = "auth.oauthServer";
    if (server.signingKeys().isEmpty()) {
      problems.add(at + ".signingKeys: at least one key is required, e.g. {kid: k1, secret: ${PORTCULLIS_OAUTH_KEY}}");
    }
    Set<String> kids = new java.util.HashSet<>();
    for (int i = 0; i < server.signingKeys().size(); i++) {
      OAuthServerConfig.SigningKey key = server.signingKeys().get(i);
      if (key.kid() == null || key.kid().isBlank() || !kids.add(key.kid())) {
        problems.add(at + ".signingKeys[" + i + "].kid: required and unique");
      }
      if (key.secret() == null || key.secret().getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32) {
        problems.add(at + ".signingKeys[" + i + "].secret: too short: a signing key needs at least 32 bytes");
      }
    }
    if (server.redirectUris().isEmpty()) {
      problems.add(at + ".redirectUris: list the redirect URIs clients may register (a trailing * matches any rest), "
          + "e.g. https://claude.ai/api/mcp/auth_callback, http://127.0.0.1/*");
    }
    for (int i = 0; i < server.redirectUris().size(); i++) {
      String pattern = server.redirectUris().get(i);
      String bare = pattern.endsWith("*") ? pattern.substring(0, pattern.length() - 1) : pattern;
      if (bare.contains("*") || !(bare.startsWith("https://") || bare.startsWith("http://"))) {
        problems.add(at + ".redirectUris[" + i + "]: an https (or loopback http) URL, with at most a trailing *");
      }
    }
    if ((server.trustedProxy() == null) == (server.upstream() == null)) {
      problems.add(at + ": set exactly one of trustedProxy (a reverse proxy that authenticates the human) "
          + "and upstream (an OIDC provider the human signs in with)");
    } else if (server.trustedProxy() != null) {
      validateForwarded(server.trustedProxy(), at + ".trustedProxy", problems);
    } else {
      UpstreamOidcConfig upstream = server.upstream();
      if (upstream.issuer() == null || !isHttpUrl(upstream.issuer())) {
        problems.add(at + ".upstream.issuer: required, the OIDC provider's issuer URL");
      } else {
        requireTls(upstream.issuer(), at + ".upstream.issuer", allowPrivate, problems);
      }
      if (upstream.clientId() == null || upstream.clientId().isBlank()) {
        problems.add(at + ".upstream.clientId: required: Portcullis' client id at the provider");
      }
      if (upstream.clientSecret() == null || upstream.clientSecret().isBlank()) {
        problems.add(at + ".upstream.clientSecret: required; give it as ${ENV_VAR}");
      }
      if (!upstream.scopes().contains("openid")) {
        problems.add(at + ".upstream.scopes: must include openid");
      }
      if (upstream.maxWaitingSignIns() < 1) {
        problems.add(at + ".upstream.maxWaitingSignIns: must be at least 1 (the most sign-ins waiting for the provider), e.g. 10000");
      }
    }
    for (var lifetime : java.util.Map.of("accessTokenLifetime", server.accessTokenLifetime(), "refreshTokenLifetime",
        server.refreshTokenLifetime(), "codeLifetime", server.codeLifetime(), "unusedClientLifetime", server.unusedClientLifetime())
        .entrySet()) {
      if (lifetime.getValue().isNegative() || lifetime.getValue().isZero()) {
        problems.add(at + "." + lifetime.getKey() + ": must be positive");
      }
    }
    if (server.maxClients() < 1) {
      problems.add(at + ".maxClients: must be at least 1 (the most registered clients kept), e.g. 5000");
    }
  }
}
