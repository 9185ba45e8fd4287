package io.portcullis.config;

import java.util.List;

/**
 * The company identity provider the built-in authorization server sends humans to when no trusted
 * proxy authenticates them: Portcullis is a confidential OIDC client of it (authorization code
 * with its own PKCE and a nonce), verifies the ID token it returns (signature by the issuer's
 * JWKS, {@code iss}, {@code aud} = {@code clientId}, expiry), and maps its claims as a jwt provider
 * does ({@code claims}, {@code allow}). At most {@code maxWaitingSignIns} sign-ins (default 10,000)
 * wait for the human to come back from the provider, each for ten minutes; /authorize refuses more.
 */
public record UpstreamOidcConfig(
    String issuer,
    String clientId,
    String clientSecret,
    List<String> scopes,
    ClaimMapping claims,
    AllowConditions allow,
    Integer maxWaitingSignIns) {
  public UpstreamOidcConfig {
    scopes = scopes == null ? List.of("openid", "email", "profile") : List.copyOf(scopes);
    claims = claims == null ? ClaimMapping.defaults() : claims;
    allow = allow == null ? AllowConditions.none() : allow;
    maxWaitingSignIns = maxWaitingSignIns == null ? 10_000 : maxWaitingSignIns;
  }
}
