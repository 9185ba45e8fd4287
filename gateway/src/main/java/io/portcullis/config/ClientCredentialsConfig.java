package io.portcullis.config;

import java.time.Duration;

/**
 * OAuth 2 client credentials (RFC 6749 §4.4) the gateway uses to call a backend: it asks
 * {@code tokenUrl} for a token with {@code clientId} and {@code clientSecret} (HTTP Basic), and
 * asks again {@code refreshBefore} ahead of the token's expiry. {@code scope} and
 * {@code audience} are sent when set.
 */
public record ClientCredentialsConfig(String tokenUrl, String clientId, String clientSecret, String scope,
    String audience, Duration refreshBefore) {
  public ClientCredentialsConfig {
    refreshBefore = refreshBefore == null ? Duration.ofSeconds(30) : refreshBefore;
  }
}
