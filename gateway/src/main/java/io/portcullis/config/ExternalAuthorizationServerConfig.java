package io.portcullis.config;

import java.time.Duration;

/**
 * An authorization server outside Portcullis whose RFC 8414 metadata Portcullis serves at the paths
 * clients probe. {@code metadataUrl} defaults to the issuer's
 * {@code /.well-known/oauth-authorization-server}, then its {@code /.well-known/openid-configuration}.
 */
public record ExternalAuthorizationServerConfig(String issuer, String metadataUrl, Duration cacheTtl) {
  public ExternalAuthorizationServerConfig {
    cacheTtl = cacheTtl == null ? Duration.ofMinutes(10) : cacheTtl;
  }
}
