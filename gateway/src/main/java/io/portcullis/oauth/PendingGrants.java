package io.portcullis.oauth;

import io.portcullis.Sha256;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What lives only in memory between the steps of one authorization: the consent the human is
 * looking at, and the code the client will exchange. Codes are never persisted; a restart simply
 * makes a client start over. Entries expire and are taken at most once.
 */
final class PendingGrants {
  /** A request the human is asked to approve; {@code csrf} must come back with the answer. */
  record Consent(String id, String csrf, OAuthState.Client client, String redirectUri, String state, String challenge,
      OAuthState.Grant grant, long expiresAt) {
  }

  /** An issued authorization code, bound to its client, redirect URI, PKCE challenge and resource. */
  record Code(String clientId, String redirectUri, String challenge, OAuthState.Grant grant, long expiresAt) {
  }

  private static final long CONSENT_MILLIS = 10 * 60_000;

  private final Map<String, Consent> consents = new ConcurrentHashMap<>();
  private final Map<String, Code> codes = new ConcurrentHashMap<>();
  /** Codes already exchanged, with the refresh family they produced, so a replay can revoke it. */
  private final Map<String, Used> usedCodes = new ConcurrentHashMap<>();

  record Used(String family, long until) {
  }

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
    codes.put(Sha256.hex(value), code);
    return value;
  }

  /** The code's grant, removed (single use), or null when it is unknown or expired. */
  Code takeCode(String value) {
    if (value == null) {
      return null;
    }
    Code code = codes.remove(Sha256.hex(value));
    return code == null || code.expiresAt() < System.currentTimeMillis() ? null : code;
  }

  /** Remembers that a code was exchanged for a refresh family, for as long as it could have lived. */
  void codeUsed(String value, String family, long until) {
    usedCodes.put(Sha256.hex(value), new Used(family, until));
  }

  /** The family issued for a code already exchanged, or null. */
  Used usedCode(String value) {
    return value == null ? null : usedCodes.get(Sha256.hex(value));
  }

  private void sweep() {
    long now = System.currentTimeMillis();
    consents.values().removeIf(c -> c.expiresAt() < now);
    codes.values().removeIf(c -> c.expiresAt() < now);
    usedCodes.values().removeIf(u -> u.until() < now);
  }
}
