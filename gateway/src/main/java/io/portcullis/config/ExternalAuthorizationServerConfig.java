package io.portcullis.config;

import java.time.Duration;

/**
 * An authorization server outside Portcullis whose RFC 8414 metadata Portcullis serves at the paths
 * clients probe. Without {@code metadataUrl}, the document is looked for where the MCP
 * authorization spec has clients look for it (the well-known segments inserted into the issuer,
 * then OIDC's appended to it).
 */
public record ExternalAuthorizationServerConfig(String issuer, String metadataUrl, Duration cacheTtl) {
  public ExternalAuthorizationServerConfig {
    cacheTtl = cacheTtl == null ? Duration.ofMinutes(10) : cacheTtl;
  }
}
