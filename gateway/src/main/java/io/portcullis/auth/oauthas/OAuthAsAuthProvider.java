package io.portcullis.auth.oauthas;

import io.portcullis.auth.AuthOutcome;
import io.portcullis.auth.AuthProvider;
import io.portcullis.auth.AuthRequest;
import io.portcullis.auth.Principal;
import io.portcullis.auth.RejectionCause;
import io.portcullis.oauth.OAuthServer;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Accepts the access tokens the built-in authorization server issued: signed with one of its keys
 * (by {@code kid}), issued by it, for this /mcp URL, not expired and not revoked. The principal's
 * roles are those the server stamped in (auth.oauthServer.injectedRoles), so policy can tell OAuth
 * clients from other callers; its groups and email are what the trusted proxy said at consent.
 */
public final class OAuthAsAuthProvider implements AuthProvider {
  private final OAuthServer server;

  public OAuthAsAuthProvider(OAuthServer server) {
    this.server = server;
  }

  @Override
  public String kind() {
    return "oauth-as";
  }

  @Override
  public Future<AuthOutcome> authenticate(AuthRequest request) {
    String token = request.bearerToken();
    if (token == null || !server.signer().looksLikeOwn(token)) {
      return Future.succeededFuture(AuthOutcome.notMine());
    }
    JsonObject claims = server.signer().verify(token);
    if (claims == null) {
      return reject(RejectionCause.BAD_SIGNATURE, "signature does not verify with the authorization server's key");
    }
    long now = Instant.now().getEpochSecond();
    if (!(claims.getValue("exp") instanceof Number exp) || exp.longValue() <= now) {
      return reject(RejectionCause.EXPIRED, "token expired");
    }
    if (!server.endpoint().baseUrl().equals(claims.getValue("iss"))) {
      return reject(RejectionCause.WRONG_ISSUER, "issuer is not this gateway");
    }
    if (!server.endpoint().mcpUrl().equals(claims.getValue("aud"))) {
      return reject(RejectionCause.WRONG_AUDIENCE, "audience is not " + server.endpoint().mcpUrl());
    }
    if (server.revoked(claims.getValue("jti") instanceof String jti ? jti : null, claims.getValue("fam") instanceof String f ? f : null)) {
      return reject(RejectionCause.UNKNOWN_TOKEN, "token was revoked");
    }
    if (!(claims.getValue("sub") instanceof String subject) || subject.isBlank()) {
      return reject(RejectionCause.MALFORMED, "token has no subject");
    }
    Set<String> scopes = new HashSet<>();
    if (claims.getValue("scope") instanceof String scope) {
      Arrays.stream(scope.trim().split("\\s+")).filter(s -> !s.isEmpty()).forEach(scopes::add);
    }
    Map<String, Object> extra = claims.getValue("email") instanceof String email ? Map.of("email", email) : Map.of();
    return Future.succeededFuture(new AuthOutcome.Authenticated(new Principal(subject, kind(),
        claims.getValue("client_id") instanceof String c ? c : null, strings(claims.getValue("roles")),
        strings(claims.getValue("groups")), scopes, extra, Instant.ofEpochSecond(exp.longValue()))));
  }

  private static Future<AuthOutcome> reject(RejectionCause cause, String detail) {
    return Future.succeededFuture(AuthOutcome.Rejected.because(cause, detail));
  }

  private static Set<String> strings(Object value) {
    Set<String> out = new HashSet<>();
    if (value instanceof JsonArray array) {
      array.forEach(v -> {
        if (v instanceof String s) {
          out.add(s);
        }
      });
    }
    return out;
  }
}
