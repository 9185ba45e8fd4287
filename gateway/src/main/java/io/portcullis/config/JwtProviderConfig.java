package io.portcullis.config;

import java.time.Duration;
import java.util.List;

/**
 * OAuth 2 / OIDC access tokens (JWTs). Keys come from {@code jwksUri}, or from the issuer's OIDC
 * discovery document when it is absent. The audience must be one of {@code audiences} (default:
 * this gateway's public /mcp URL) unless {@code checkAudience} is false.
 */
public record JwtProviderConfig(
    String issuer,
    String jwksUri,
    List<String> audiences,
    Boolean checkAudience,
    List<String> algorithms,
    Duration clockSkew,
    List<String> requiredScopes,
    ClaimMapping claims,
    AllowConditions allow,
    Duration jwksRefreshMinInterval,
    Integer cacheSize) {
  public JwtProviderConfig {
    audiences = audiences == null ? List.of() : List.copyOf(audiences);
    checkAudience = checkAudience == null || checkAudience;
    algorithms = algorithms == null ? List.of("RS256", "ES256") : List.copyOf(algorithms);
    clockSkew = clockSkew == null ? Duration.ofSeconds(30) : clockSkew;
    requiredScopes = requiredScopes == null ? List.of() : List.copyOf(requiredScopes);
    claims = claims == null ? ClaimMapping.defaults() : claims;
    allow = allow == null ? AllowConditions.none() : allow;
    jwksRefreshMinInterval = jwksRefreshMinInterval == null ? Duration.ofSeconds(30) : jwksRefreshMinInterval;
    cacheSize = cacheSize == null ? 10_000 : cacheSize;
  }
}
