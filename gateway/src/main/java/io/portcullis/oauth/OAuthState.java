package io.portcullis.oauth;

import java.util.List;

/** What the authorization server keeps across restarts: registered clients and refresh tokens (hashed). */
public final class OAuthState {
  private OAuthState() {
  }

  /**
   * A client registered with RFC 7591 dynamic registration.
   *
   * @param secretHash SHA-256 hex of its secret, or null for a public client (PKCE only)
   * @param authMethod none, client_secret_basic or client_secret_post
   * @param createdAt  when it registered, in seconds
   * @param unused     no token was issued to it yet (false in state files from before it was kept)
   */
  public record Client(String clientId, String secretHash, String authMethod, String name, List<String> redirectUris,
      long createdAt, boolean unused) {
    public Client {
      redirectUris = List.copyOf(redirectUris);
    }

    public Client used() {
      return new Client(clientId, secretHash, authMethod, name, redirectUris, createdAt, false);
    }

    /** Whether it registered before {@code registeredBefore} (seconds) and never obtained a token: it is forgotten. */
    public boolean unusedSince(long registeredBefore) {
      return unused && createdAt < registeredBefore;
    }
  }

  /**
   * A refresh token, by the SHA-256 of its value. Tokens rotated from one another form a family;
   * a spent token presented again after the grace window revokes the family.
   *
   * @param spentAt  when it was exchanged (0 while unspent)
   * @param replacedBy hash of the token it was rotated into, or null
   */
  public record Refresh(String hash, String family, String clientId, Grant grant, long expiresAt, long spentAt,
      String replacedBy, boolean revoked) {
    public Refresh spent(long at, String next) {
      return new Refresh(hash, family, clientId, grant, expiresAt, at, next, revoked);
    }

    public Refresh revokedNow() {
      return new Refresh(hash, family, clientId, grant, expiresAt, spentAt, replacedBy, true);
    }
  }

  /** Who authorized what: the human (as the trusted proxy named them), the scope and the resource. */
  public record Grant(String subject, List<String> groups, String email, String scope, String resource) {
    public Grant {
      groups = groups == null ? List.of() : List.copyOf(groups);
    }
  }
}
