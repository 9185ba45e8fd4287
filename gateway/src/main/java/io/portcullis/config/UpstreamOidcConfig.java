package io.portcullis.config;

import java.util.List;

/**
 * The company identity provider the built-in authorization server sends humans to when no trusted
 * proxy authenticates them: Portcullis is a confidential OIDC client of it (authorization code
 * with its own PKCE and a nonce), verifies the ID token it returns (signature by the issuer's
 * JWKS, {@code iss}, {@code aud} = {@code clientId}, expiry), and maps its claims as a jwt provider
 * does ({@code claims}, {@code allow}).
 */
public record UpstreamOidcConfig(
    String issuer,
    String clientId,
    String clientSecret,
    List<String> scopes,
    ClaimMapping claims,
    AllowConditions allow) {
  public UpstreamOidcConfig {
    scopes = scopes == null ? List.of("openid", "email", "profile") : List.copyOf(scopes);
    claims = claims == null ? ClaimMapping.defaults() : claims;
    allow = allow == null ? AllowConditions.none() : allow;
  }
}
