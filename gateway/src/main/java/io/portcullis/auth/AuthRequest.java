package io.portcullis.auth;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import java.util.Locale;

/**
 * What providers may look at: the headers and the socket peer, never the body. The bearer token,
 * if the Authorization header carries one, is extracted once here.
 *
 * @param headers    the request headers
 * @param peerAddress the socket peer's IP address (not X-Forwarded-For)
 * @param bearerToken the token of an {@code Authorization: Bearer} header, or null
 * @param authorizationPresent whether any Authorization header was sent
 */
public record AuthRequest(MultiMap headers, String peerAddress, String bearerToken, boolean authorizationPresent) {

  public static AuthRequest of(HttpServerRequest http) {
    String authorization = http.getHeader("Authorization");
    return new AuthRequest(http.headers(), http.remoteAddress() == null ? null : http.remoteAddress().hostAddress(),
        bearerOf(authorization), authorization != null);
  }

  static String bearerOf(String authorization) {
    if (authorization == null || authorization.length() < 7
        || !authorization.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
      return null;
    }
    String token = authorization.substring(7).trim();
    return token.isEmpty() ? null : token;
  }
}
