package io.portcullis.auth;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Tells an access token from the other tokens an identity provider issues under the same keys
 * and issuer: a refresh or ID token presented as a bearer token must not pass for one.
 */
public final class TokenKinds {
  private static final Set<String> NOT_ACCESS_TOKENS = Set.of("refresh_token", "refresh", "offline", "id_token", "id");

  private TokenKinds() {
  }

  /**
   * The kind of token the claims (or an introspection answer) say this is when that is not an
   * access token: RFC 7662's {@code token_type}, or the {@code typ} claim Keycloak puts in its
   * tokens and answers, naming a refresh or ID token; null otherwise (no type is taken as an
   * access token).
   */
  public static String notAnAccessToken(JsonObject claims) {
    for (String field : List.of("token_type", "typ")) {
      if (claims.getValue(field) instanceof String type && NOT_ACCESS_TOKENS.contains(type.toLowerCase(Locale.ROOT))) {
        return "a token of type " + type;
      }
    }
    return null;
  }
}
