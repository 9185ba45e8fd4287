package io.portcullis.config;

import java.time.Duration;
import java.util.List;

/**
 * Opaque tokens checked at an RFC 7662 introspection endpoint, authenticated as
 * {@code clientId}/{@code clientSecret}; answers are cached (at most {@code cacheSize} tokens, for
 * at most {@code cacheTtl} and never past the token's own expiry). An active token must also have
 * been issued for this gateway: its {@code aud} must name one of {@code audiences} (default: the
 * gateway's public /mcp URL) unless {@code checkAudience} is false, and its {@code iss} must be
 * {@code issuer} when one is set. One peer address has at most {@code maxInFlightPerPeer} checks of
 * uncached tokens under way at once.
 */
public record IntrospectionProviderConfig(
    String endpoint,
    String clientId,
    String clientSecret,
    String issuer,
    List<String> audiences,
    Boolean checkAudience,
    Duration timeout,
    Duration cacheTtl,
    Integer cacheSize,
    List<String> requiredScopes,
    ClaimMapping claims,
    AllowConditions allow,
    Integer maxInFlightPerPeer) {
  public IntrospectionProviderConfig {
    audiences = audiences == null ? List.of() : List.copyOf(audiences);
    checkAudience = checkAudience == null || checkAudience;
    timeout = timeout == null ? Duration.ofSeconds(5) : timeout;
    cacheTtl = cacheTtl == null ? Duration.ofMinutes(2) : cacheTtl;
    cacheSize = cacheSize == null ? 10_000 : cacheSize;
    requiredScopes = requiredScopes == null ? List.of() : List.copyOf(requiredScopes);
    claims = claims == null ? ClaimMapping.defaults() : claims;
    allow = allow == null ? AllowConditions.none() : allow;
    maxInFlightPerPeer = maxInFlightPerPeer == null ? 8 : maxInFlightPerPeer;
  }
}
