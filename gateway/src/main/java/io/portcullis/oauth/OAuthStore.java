package io.portcullis.oauth;

import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;

/**
 * Where registered clients and refresh tokens live. The file store is the first implementation;
 * a shared database can take its place when many replicas serve one issuer. Reads answer from
 * memory; each write's future completes once it is durable. A client or refresh records that could
 * not be stored are taken out of memory again (unless changed since); a revocation stays (fail
 * closed).
 */
public interface OAuthStore {
  Optional<OAuthState.Client> client(String clientId);

  /**
   * Registers a new client; first forgets those that registered before {@code unusedBefore}
   * (seconds) and never obtained a token. With {@code maxClients} registered, the oldest that never
   * obtained a token makes room; completes with false, storing nothing, when every one has.
   */
  Future<Boolean> register(OAuthState.Client client, int maxClients, long unusedBefore);

  Optional<OAuthState.Refresh> refresh(String hash);

  /** Saves refresh records together (a rotation: the spent one and its successor); their clients are used from then on. */
  Future<Void> saveRefresh(List<OAuthState.Refresh> records);

  /**
   * Revokes every refresh token of a family, and the access tokens issued in it until
   * {@code accessTokensUntilMillis} (when the last of them expires).
   */
  Future<Void> revokeFamily(String family, long accessTokensUntilMillis);

  /** Whether access tokens of this family were revoked (a code or refresh token was replayed, or it was revoked). */
  boolean familyRevoked(String family);

  /** Revokes one access token by its {@code jti} until it expires. */
  Future<Void> revokeAccessToken(String jti, long expiresAtMillis);

  boolean accessTokenRevoked(String jti);
}
