package io.portcullis.oauth;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Access tokens revoked before they expire (RFC 7009), by {@code jti}, kept only until they would have expired. */
public final class RevokedAccessTokens {
  private final Map<String, Long> untilSeconds = new ConcurrentHashMap<>();

  void revoke(String jti, long expiresAtSeconds) {
    long now = System.currentTimeMillis() / 1000;
    untilSeconds.values().removeIf(exp -> exp < now);
    untilSeconds.put(jti, expiresAtSeconds);
  }

  public boolean isRevoked(String jti) {
    return jti != null && untilSeconds.containsKey(jti);
  }
}
