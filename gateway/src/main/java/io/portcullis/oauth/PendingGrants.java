package io.portcullis.oauth;

import io.portcullis.Sha256;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What lives only in memory between the steps of one authorization: the consent the human is
 * looking at, and the code the client will exchange. Codes are never persisted; a restart simply
 * makes a client start over. Entries expire; a consent is taken at most once, a code claimed by
 * one exchange (and given back only when that exchange could not store its tokens).
 */
final class PendingGrants {
  /** A request the human is asked to approve; {@code csrf} must come back with the answer. */
  record Consent(String id, String csrf, OAuthState.Client client, String redirectUri, String state, String challenge,
      OAuthState.Grant grant, long expiresAt) {
  }

  /** An issued authorization code, bound to its client, redirect URI, PKCE challenge and resource. */
  record Code(String clientId, String redirectUri, String challenge, OAuthState.Grant grant, long expiresAt) {
  }

  /**
   * A code as its exchanges see it: issued ({@code family} null), or claimed by the one exchange
   * that issues tokens of {@code family}, remembered until {@code until} so that a replay can revoke
   * them. {@code replayed} once another exchange presented it too.
   */
  record Slot(Code code, String family, long until, boolean replayed) {
    boolean claimed() {
      return family != null;
    }
  }

  private static final long CONSENT_MILLIS = 10 * 60_000;

  private final Map<String, Consent> consents = new ConcurrentHashMap<>();
  /** Codes by their hash, issued or claimed: one map, so that a claim and its replay cannot miss each other. */
  private final Map<String, Slot> codes = new ConcurrentHashMap<>();

  Consent newConsent(OAuthState.Client client, String redirectUri, String state, String challenge, OAuthState.Grant grant) {
    sweep();
    Consent consent = new Consent(Secrets.random(24), Secrets.random(24), client, redirectUri, state, challenge, grant,
        System.currentTimeMillis() + CONSENT_MILLIS);
    consents.put(consent.id(), consent);
    return consent;
  }

  /** The consent with this id, removed, or null when it is unknown or expired. */
  Consent takeConsent(String id) {
    Consent consent = id == null ? null : consents.remove(id);
    return consent == null || consent.expiresAt() < System.currentTimeMillis() ? null : consent;
  }

  String newCode(Code code) {
    String value = Secrets.random(32);
    codes.put(Sha256.hex(value), new Slot(code, null, 0, false));
    return value;
  }

  /**
   * Claims a code for the exchange that will issue tokens of {@code family}, before anything about
   * it is checked, atomically: of exchanges racing on several event loops exactly one gets the slot
   * it claimed. Any other gets the winner's slot marked replayed (its family is to be revoked), and
   * every exchange null when the code is unknown or expired.
   */
  Slot claim(String value, String family, long rememberUntil) {
    if (value == null) {
      return null;
    }
    long now = System.currentTimeMillis();
    return codes.computeIfPresent(Sha256.hex(value), (hash, slot) -> {
      if (slot.claimed()) {
        return new Slot(slot.code(), slot.family(), slot.until(), true);
      }
      return slot.code().expiresAt() < now ? null : new Slot(slot.code(), family, rememberUntil, false);
    });
  }

  /**
   * Gives a code back when its exchange could not store the tokens: the client's retry is a first
   * use. A code presented by another exchange meanwhile stays claimed (its family is revoked).
   */
  void release(String value, Slot claimed) {
    codes.replace(Sha256.hex(value), claimed, new Slot(claimed.code(), null, 0, false));
  }

  /** Forgets a code its exchange found wrong (another client, verifier, ...): presented again, it is unknown. */
  void burn(String value, Slot claimed) {
    codes.remove(Sha256.hex(value), claimed);
  }

  private void sweep() {
    long now = System.currentTimeMillis();
    consents.values().removeIf(c -> c.expiresAt() < now);
    codes.values().removeIf(slot -> slot.claimed() ? slot.until() < now : slot.code().expiresAt() < now);
  }
}
