package io.portcullis.oauth;

import io.portcullis.Sha256;
import io.portcullis.auth.PublicEndpoint;
import io.portcullis.config.OAuthServerConfig;
import io.portcullis.pipeline.SharedWork;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code /token}: the authorization_code grant (single-use code, claimed before anything else so
 * that of two exchanges racing one wins; client, redirect URI, PKCE verifier and resource checked
 * against what /authorize bound to it; a replayed code revokes what its first use issued) and the
 * refresh_token grant (rotated on every use; a spent token presented again within
 * {@code refreshReuseGrace} gets the same answer as its first use, for clients that refresh in
 * parallel; later, it revokes the whole family). Clients authenticate with
 * client_secret_basic, client_secret_post, or not at all (public clients, PKCE). Each refusal says
 * which check failed. A code or refresh token whose tokens could not be stored stays unspent, and
 * the client is told to try again (503).
 */
final class TokenEndpoint {
  private final OAuthServerConfig config;
  private final OAuthStore store;
  private final ClientDirectory clients;
  private final PendingGrants grants;
  private final PublicEndpoint endpoint;
  private final TokenSigner signer;
  /** The answers given for refresh tokens spent in the last grace window, by the spent token's hash. */
  private final Map<String, Recent> recentRotations = new ConcurrentHashMap<>();

  /** The answer (possibly still being stored) given when a refresh token was spent, and until when it is given again. */
  private record Recent(Future<JsonObject> answer, long until) {
  }

  TokenEndpoint(OAuthServerConfig config, OAuthStore store, ClientDirectory clients, PendingGrants grants, PublicEndpoint endpoint,
      TokenSigner signer) {
    this.config = config;
    this.store = store;
    this.clients = clients;
    this.grants = grants;
    this.endpoint = endpoint;
    this.signer = signer;
  }

  void token(RoutingContext ctx) {
    MultiMap form = ctx.request().formAttributes();
    Optional<OAuthState.Client> client = authenticateClient(ctx, form);
    if (client == null) {
      return;
    }
    switch (String.valueOf(form.get("grant_type"))) {
      case "authorization_code" -> codeGrant(ctx, form, client.get());
      case "refresh_token" -> refreshGrant(ctx, form, client.get());
      default -> OAuthResponses.error(ctx, 400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token");
    }
  }

  /**
   * The authenticated client, or null after answering 401/400 when it did not authenticate as its
   * registration requires.
   */
  Optional<OAuthState.Client> authenticateClient(RoutingContext ctx, MultiMap form) {
    String id = form.get("client_id");
    String secret = form.get("client_secret");
    String method = secret == null ? "none" : "client_secret_post";
    String authorization = ctx.request().getHeader("Authorization");
    if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      try {
        String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        String basicId = URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8);
        if (id != null && !id.equals(basicId)) {
          OAuthResponses.error(ctx, 400, "invalid_request", "client_id in the form differs from the Basic credentials");
          return null;
        }
        id = basicId;
        secret = URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8);
        method = "client_secret_basic";
      } catch (IllegalArgumentException | StringIndexOutOfBoundsException e) {
        OAuthResponses.error(ctx, 401, "invalid_client", "the Basic credentials are malformed");
        return null;
      }
    }
    Optional<OAuthState.Client> client = clients.find(id);
    if (client.isEmpty()) {
      ctx.response().putHeader("WWW-Authenticate", "Basic realm=\"portcullis\"");
      OAuthResponses.error(ctx, 401, "invalid_client", "client '" + id + "' is not registered");
      return null;
    }
    OAuthState.Client registered = client.get();
    if (registered.secretHash() == null ? secret != null : !Secrets.sameHash(secret, registered.secretHash())) {
      ctx.response().putHeader("WWW-Authenticate", "Basic realm=\"portcullis\"");
      OAuthResponses.error(ctx, 401, "invalid_client", registered.secretHash() == null
          ? "client '" + id + "' is public: it sends no secret"
          : "client '" + id + "' failed authentication (" + method + ")");
      return null;
    }
    return client;
  }

  private void codeGrant(RoutingContext ctx, MultiMap form, OAuthState.Client client) {
    String value = form.get("code");
    String family = Secrets.random(16);
    PendingGrants.Slot claimed = grants.claim(value, family, System.currentTimeMillis() + config.refreshTokenLifetime().toMillis());
    if (claimed == null) {
      OAuthResponses.error(ctx, 400, "invalid_grant", "the authorization code is unknown or expired");
      return;
    }
    if (claimed.replayed()) {
      store.revokeFamily(claimed.family(), accessTokensUntil());
      OAuthResponses.error(ctx, 400, "invalid_grant", "the authorization code was already used; the tokens issued for it are revoked");
      return;
    }
    Refusal refusal = codeRefusal(form, client, claimed.code());
    if (refusal != null) {
      grants.burn(value, claimed);
      OAuthResponses.error(ctx, 400, refusal.error(), refusal.description());
      return;
    }
    issue(client, claimed.code().grant(), family, List.of()).onComplete(r -> {
      if (r.failed()) {
        grants.release(value, claimed);
      }
      answer(ctx, r.result());
    });
  }

  /** An OAuth error answered with 400. */
  private record Refusal(String error, String description) {
  }

  /** Why the code cannot be exchanged by this request, or null. */
  private static Refusal codeRefusal(MultiMap form, OAuthState.Client client, PendingGrants.Code code) {
    if (!code.clientId().equals(client.clientId())) {
      return new Refusal("invalid_grant", "the authorization code was issued to another client");
    }
    if (!code.redirectUri().equals(form.get("redirect_uri"))) {
      return new Refusal("invalid_grant", "redirect_uri differs from the one the code was issued for");
    }
    if (!Pkce.verifies(form.get("code_verifier"), code.challenge())) {
      return new Refusal("invalid_grant", form.get("code_verifier") == null
          ? "code_verifier is missing (PKCE is required)" : "code_verifier does not match the code_challenge");
    }
    String resource = form.get("resource");
    if (resource != null && !resource.equals(code.grant().resource())) {
      return new Refusal("invalid_target", "resource must be " + code.grant().resource());
    }
    return null;
  }

  private void refreshGrant(RoutingContext ctx, MultiMap form, OAuthState.Client client) {
    String presented = form.get("refresh_token");
    String hash = presented == null ? null : Sha256.hex(presented);
    Optional<OAuthState.Refresh> found = hash == null ? Optional.empty() : store.refresh(hash);
    long now = System.currentTimeMillis();
    if (found.isEmpty() || found.get().expiresAt() < now) {
      OAuthResponses.error(ctx, 400, "invalid_grant", "the refresh token is unknown or expired");
      return;
    }
    OAuthState.Refresh refresh = found.get();
    if (!refresh.clientId().equals(client.clientId())) {
      OAuthResponses.error(ctx, 400, "invalid_grant", "the refresh token was issued to another client");
      return;
    }
    if (refresh.revoked()) {
      OAuthResponses.error(ctx, 400, "invalid_grant", "the refresh token was revoked");
      return;
    }
    if (refresh.spentAt() > 0) {
      Recent recent = recentRotations.get(hash);
      if (recent != null && recent.until() >= now) {
        SharedWork.forCaller(recent.answer()).onComplete(r -> answer(ctx, r.result()));
        return;
      }
      store.revokeFamily(refresh.family(), accessTokensUntil());
      OAuthResponses.error(ctx, 400, "invalid_grant", "the refresh token was already used; every token of its family is revoked");
      return;
    }
    // Claimed before the token is marked spent: a parallel refresh (on another event loop) that
    // sees it spent also sees this claim, and one that raced here too gets the winner's answer.
    recentRotations.values().removeIf(x -> x.until() < now);
    Promise<JsonObject> rotated = Promise.promise();
    Recent mine = new Recent(rotated.future(), now + config.refreshReuseGrace().toMillis());
    Recent winner = recentRotations.compute(hash, (k, earlier) -> earlier != null && earlier.until() >= now ? earlier : mine);
    if (winner != mine) {
      SharedWork.forCaller(winner.answer()).onComplete(r -> answer(ctx, r.result()));
      return;
    }
    issue(client, refresh.grant(), refresh.family(), List.of(refresh)).onComplete(r -> {
      if (r.failed()) {
        // The store left the token unspent: the client's retry rotates it afresh.
        recentRotations.remove(hash, mine);
      }
      rotated.handle(r);
    });
    rotated.future().onComplete(r -> answer(ctx, r.result()));
  }

  /** Issues an access token and a refresh token of {@code family}; {@code spent} are marked spent by it, durably, first. */
  private Future<JsonObject> issue(OAuthState.Client client, OAuthState.Grant grant, String family, List<OAuthState.Refresh> spent) {
    long now = System.currentTimeMillis();
    String refreshToken = Secrets.random(32);
    String refreshHash = Sha256.hex(refreshToken);
    OAuthState.Refresh fresh = new OAuthState.Refresh(refreshHash, family, client.clientId(), grant,
        now + config.refreshTokenLifetime().toMillis(), 0, null, false);
    List<OAuthState.Refresh> records = new java.util.ArrayList<>();
    spent.forEach(s -> records.add(s.spent(now, refreshHash)));
    records.add(fresh);
    long lifetime = config.accessTokenLifetime().toSeconds();
    JsonObject claims = new JsonObject()
        .put("iss", endpoint.baseUrl())
        .put("sub", grant.subject())
        .put("aud", grant.resource())
        .put("iat", now / 1000)
        .put("exp", now / 1000 + lifetime)
        .put("jti", Secrets.random(16))
        .put("client_id", client.clientId())
        .put("fam", family)
        .put("roles", new JsonArray(config.injectedRoles()))
        .put("groups", new JsonArray(grant.groups()));
    if (grant.scope() != null) {
      claims.put("scope", grant.scope());
    }
    if (grant.email() != null) {
      claims.put("email", grant.email());
    }
    String accessToken = signer.sign(claims);
    return store.saveRefresh(records).map(v -> {
      JsonObject answer = new JsonObject().put("access_token", accessToken).put("token_type", "Bearer")
          .put("expires_in", lifetime).put("refresh_token", refreshToken);
      if (grant.scope() != null) {
        answer.put("scope", grant.scope());
      }
      return answer;
    });
  }

  /** When the last access token issued now would expire: how long a revoked family must be remembered. */
  private long accessTokensUntil() {
    return System.currentTimeMillis() + config.accessTokenLifetime().toMillis();
  }

  private static void answer(RoutingContext ctx, JsonObject tokens) {
    if (tokens == null) {
      OAuthResponses.error(ctx, 503, "temporarily_unavailable", "the authorization server could not store the grant; try again");
    } else {
      OAuthResponses.json(ctx, 200, tokens);
    }
  }

  /** RFC 7009: a refresh token revokes its family; an access token (a JWT) is refused until it expires. */
  void revoke(RoutingContext ctx) {
    MultiMap form = ctx.request().formAttributes();
    Optional<OAuthState.Client> client = authenticateClient(ctx, form);
    if (client == null) {
      return;
    }
    String token = form.get("token");
    if (token == null) {
      OAuthResponses.error(ctx, 400, "invalid_request", "token is required");
      return;
    }
    Optional<OAuthState.Refresh> refresh = store.refresh(Sha256.hex(token));
    if (refresh.isPresent() && refresh.get().clientId().equals(client.get().clientId())) {
      store.revokeFamily(refresh.get().family(), accessTokensUntil()).onComplete(saved -> answerRevocation(ctx, saved));
      return;
    }
    JsonObject claims = signer.verify(token);
    if (claims != null && client.get().clientId().equals(claims.getValue("client_id")) && claims.getValue("jti") instanceof String jti
        && claims.getValue("exp") instanceof Number exp) {
      store.revokeAccessToken(jti, exp.longValue() * 1000).onComplete(saved -> answerRevocation(ctx, saved));
      return;
    }
    ctx.response().setStatusCode(200).end();
  }

  /**
   * 200 once the revocation is stored; 503 when it could not be (RFC 7009 section 2.2.1: the
   * client must then assume the token still exists and try again), since a restart would forget it.
   */
  private static void answerRevocation(RoutingContext ctx, AsyncResult<Void> saved) {
    if (saved.succeeded()) {
      ctx.response().setStatusCode(200).end();
    } else {
      OAuthResponses.error(ctx, 503, "temporarily_unavailable", "the revocation could not be stored; try again");
    }
  }
}
