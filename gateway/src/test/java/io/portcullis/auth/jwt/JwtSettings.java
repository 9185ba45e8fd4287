package io.portcullis.auth.jwt;

import io.portcullis.config.AllowConditions;
import io.portcullis.config.ClaimMapping;
import io.portcullis.config.JwtProviderConfig;
import java.time.Duration;
import java.util.List;

/** A mutable stand-in for {@link JwtProviderConfig}'s many fields, so each test states only what it changes. */
final class JwtSettings {
  String issuer;
  String jwksUri;
  List<String> audiences;
  Boolean checkAudience;
  List<String> algorithms;
  Duration clockSkew;
  List<String> requiredScopes = List.of("mcp");
  ClaimMapping claims;
  AllowConditions allow;
  Duration jwksRefreshMinInterval;
  Integer cacheSize;

  JwtSettings(String issuer) {
    this.issuer = issuer;
  }

  JwtProviderConfig build() {
    return new JwtProviderConfig(issuer, jwksUri, audiences, checkAudience, algorithms, clockSkew, requiredScopes, claims,
        allow, jwksRefreshMinInterval, cacheSize);
  }
}
