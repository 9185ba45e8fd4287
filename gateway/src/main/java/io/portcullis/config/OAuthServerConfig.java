package io.portcullis.config;

import java.time.Duration;
import java.util.List;

/**
 * The built-in OAuth 2.1 authorization server that MCP clients register with and get tokens from,
 * while a trusted reverse proxy in front, or the company's OIDC provider, still authenticates the
 * human.
 *
 * @param enabled              serve /authorize, /token, /register, /revoke and the metadata
 * @param signingKeys          HMAC keys for the access tokens it issues, the first signs, the others
 *                             still verify (rotation by {@code kid}); each secret at least 32 bytes
 * @param accessTokenLifetime  lifetime of an access token (a JWT with {@code aud} = the /mcp URL)
 * @param refreshTokenLifetime lifetime of a refresh token (rotated on every use)
 * @param codeLifetime         lifetime of an authorization code (single use)
 * @param refreshReuseGrace    how long after a refresh token is spent presenting it again returns
 *                             the same answer (clients that refresh in parallel); after it, reuse
 *                             revokes the whole family
 * @param redirectUris         patterns a registered redirect URI must match; a trailing {@code *}
 *                             matches any rest (https, or http on loopback only)
 * @param trustedProxy         the reverse proxy that authenticated the human, and its headers
 * @param upstream             or: the OIDC provider the human signs in with (exactly one of the two)
 * @param injectedRoles        roles stamped into every token this server issues
 * @param stateFile            where registered clients and (hashed) refresh tokens persist;
 *                             PORTCULLIS_OAUTH_STATE_FILE overrides it, and PORTCULLIS_OAUTH_STATE
 *                             gives the whole state inline (read-only)
 * @param clientMetadataHosts  hosts whose client ID metadata documents are accepted (a client_id
 *                             that is an https URL on one of them needs no registration); empty: none
 * @param maxClients           the most registered clients kept (default 5,000): /register refuses
 *                             more, since each one makes every write of the state file longer
 * @param unusedClientLifetime how long a registered client that never obtained a token is kept
 *                             (default 1h): /register creates them without authentication
 */
public record OAuthServerConfig(
    Boolean enabled,
    List<SigningKey> signingKeys,
    Duration accessTokenLifetime,
    Duration refreshTokenLifetime,
    Duration codeLifetime,
    Duration refreshReuseGrace,
    List<String> redirectUris,
    ForwardedProviderConfig trustedProxy,
    UpstreamOidcConfig upstream,
    List<String> injectedRoles,
    String stateFile,
    List<String> clientMetadataHosts,
    Integer maxClients,
    Duration unusedClientLifetime) {

  /** One signing key: its id and its secret (give it as ${ENV}). */
  public record SigningKey(String kid, String secret) {
  }

  public OAuthServerConfig {
    enabled = enabled != null && enabled;
    signingKeys = signingKeys == null ? List.of() : List.copyOf(signingKeys);
    accessTokenLifetime = accessTokenLifetime == null ? Duration.ofHours(1) : accessTokenLifetime;
    refreshTokenLifetime = refreshTokenLifetime == null ? Duration.ofDays(30) : refreshTokenLifetime;
    codeLifetime = codeLifetime == null ? Duration.ofSeconds(60) : codeLifetime;
    refreshReuseGrace = refreshReuseGrace == null ? Duration.ofSeconds(5) : refreshReuseGrace;
    redirectUris = redirectUris == null ? List.of() : List.copyOf(redirectUris);
    injectedRoles = injectedRoles == null ? List.of() : List.copyOf(injectedRoles);
    stateFile = stateFile == null ? "oauth-state.json" : stateFile;
    clientMetadataHosts = clientMetadataHosts == null ? List.of() : List.copyOf(clientMetadataHosts);
    maxClients = maxClients == null ? 5_000 : maxClients;
    unusedClientLifetime = unusedClientLifetime == null ? Duration.ofHours(1) : unusedClientLifetime;
  }

  public static OAuthServerConfig disabled() {
    return new OAuthServerConfig(false, null, null, null, null, null, null, null, null, null, null, null, null, null);
  }
}
