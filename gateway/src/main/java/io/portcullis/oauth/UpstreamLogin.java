package io.portcullis.oauth;

import io.portcullis.auth.AuthOutcome;
import io.portcullis.auth.AuthRequest;
import io.portcullis.auth.Principal;
import io.portcullis.auth.PublicEndpoint;
import io.portcullis.auth.fetch.GuardedFetcher;
import io.portcullis.auth.fetch.TargetGuard;
import io.portcullis.auth.jwt.JwtAuthProvider;
import io.portcullis.config.JwtProviderConfig;
import io.portcullis.config.UpstreamOidcConfig;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.Map;

/**
 * Signs the human in with the company's OIDC provider, for identity providers that let no MCP
 * client register: Portcullis is the provider's confidential client. /authorize (once the MCP
 * client's request is valid) redirects there with Portcullis' own PKCE, state and nonce;
 * {@code /oauth/callback} takes the code, exchanges it, verifies the ID token (signature by the
 * provider's JWKS, issuer, audience = Portcullis' client id, expiry, nonce, and the configured
 * allow rules), maps its claims, and only then shows the consent page.
 */
final class UpstreamLogin {
  static final String CALLBACK = "/oauth/callback";
  private static final Logger LOG = LoggerFactory.getLogger(UpstreamLogin.class);
  private static final long LOGIN_MILLIS = 10 * 60_000;

  /** An MCP client's authorization waiting for the human to come back from the provider. */
  record Waiting(String verifier, String nonce, AuthorizeEndpoint.Request request) {
  }

  private final UpstreamOidcConfig config;
  private final GuardedFetcher fetcher;
  private final JwtAuthProvider idTokens;
  private final PublicEndpoint endpoint;
  /** By the state sent to the provider; /authorize fills it without authentication, hence its bound. */
  private final WaitingTable<Waiting> waiting;
  private volatile JsonObject metadata;

  UpstreamLogin(Vertx vertx, UpstreamOidcConfig config, PublicEndpoint endpoint, TargetGuard guard) {
    this.config = config;
    this.endpoint = endpoint;
    this.waiting = new WaitingTable<>(config.maxWaitingSignIns(), LOGIN_MILLIS);
    this.fetcher = new GuardedFetcher(vertx, guard, Duration.ofSeconds(10));
    this.idTokens = JwtAuthProvider.forIdTokens(vertx, new JwtProviderConfig(config.issuer(), null, List.of(config.clientId()), true,
        null, null, null, config.claims(), config.allow(), null, 1_000), guard);
  }

  /** Sends the human to the provider's sign-in for this (already validated) authorization request. */
  void begin(RoutingContext ctx, AuthorizeEndpoint.Request request) {
    providerMetadata().onComplete(m -> {
      if (m.failed() || !(m.result().getValue("authorization_endpoint") instanceof String authorize)) {
        OAuthResponses.errorPage(ctx, 502, "The identity provider " + config.issuer() + " could not be reached for sign-in"
            + (m.failed() ? ": " + m.cause().getMessage() : ": its discovery document names no authorization_endpoint") + ".");
        return;
      }
      String state = Secrets.random(24);
      String verifier = Secrets.random(48);
      String nonce = Secrets.random(24);
      if (waiting.add(state, new Waiting(verifier, nonce, request))) {
        LOG.warn("{} sign-ins were waiting for the identity provider (auth.oauthServer.upstream.maxWaitingSignIns):"
            + " the oldest gave way and cannot complete", config.maxWaitingSignIns());
      }
      String location = authorize + (authorize.contains("?") ? "&" : "?")
          + "response_type=code&client_id=" + encode(config.clientId())
          + "&redirect_uri=" + encode(callbackUrl())
          + "&scope=" + encode(String.join(" ", config.scopes()))
          + "&state=" + encode(state) + "&nonce=" + encode(nonce)
          + "&code_challenge=" + encode(Pkce.challengeOf(verifier)) + "&code_challenge_method=S256";
      OAuthResponses.noStore(ctx.response()).setStatusCode(302).putHeader("Location", location).end();
    });
  }

  /** The provider's answer: on success, the consent page for the waiting request. */
  void callback(RoutingContext ctx, AuthorizeEndpoint consentPage) {
    MultiMap q = ctx.request().params();
    Waiting login = waiting.take(q.get("state"));
    if (login == null) {
      OAuthResponses.errorPage(ctx, 400, "This sign-in is unknown or has expired; start again from the application.");
      return;
    }
    if (q.get("error") != null || q.get("code") == null) {
      OAuthResponses.errorPage(ctx, 403, "The identity provider did not sign you in: "
          + (q.get("error") == null ? "it returned no code" : q.get("error") + " " + String.valueOf(q.get("error_description"))) + ".");
      return;
    }
    providerMetadata()
        .compose(m -> {
          if (!(m.getValue("token_endpoint") instanceof String tokenEndpoint)) {
            return Future.failedFuture(new IllegalStateException("its discovery document names no token_endpoint"));
          }
          String basic = "Basic " + Base64.getEncoder().encodeToString((encode(config.clientId()) + ":" + encode(config.clientSecret()))
              .getBytes(StandardCharsets.UTF_8));
          return fetcher.postForm(tokenEndpoint, Map.of("grant_type", "authorization_code", "code", q.get("code"),
              "redirect_uri", callbackUrl(), "code_verifier", login.verifier()), basic);
        })
        .compose(tokens -> tokens.getValue("id_token") instanceof String idToken
            ? verify(idToken, login.nonce())
            : Future.failedFuture(new IllegalStateException("the token answer has no id_token")))
        .onComplete(r -> {
          if (r.failed()) {
            OAuthResponses.errorPage(ctx, 403, "Sign-in with the identity provider failed: " + r.cause().getMessage() + ".");
            return;
          }
          Principal who = r.result();
          consentPage.showConsent(ctx, login.request(), new OAuthState.Grant(who.subject(), List.copyOf(who.groups()),
              who.claims().get("email") instanceof String email ? email : null, login.request().scope(), endpoint.mcpUrl()));
        });
  }

  /** The ID token's principal: verified like a jwt provider's token, plus the nonce this sign-in sent. */
  private Future<Principal> verify(String idToken, String nonce) {
    AuthRequest request = new AuthRequest(MultiMap.caseInsensitiveMultiMap(), null, idToken, true);
    return idTokens.authenticate(request).compose(outcome -> {
      if (outcome instanceof AuthOutcome.Rejected rejected) {
        return Future.failedFuture(new IllegalStateException("the ID token was refused (" + rejected.cause().name().toLowerCase()
            + ": " + rejected.detail() + ")"));
      }
      if (!(outcome instanceof AuthOutcome.Authenticated authenticated)) {
        return Future.failedFuture(new IllegalStateException("the ID token is not one of " + config.issuer()));
      }
      if (!nonce.equals(nonceOf(idToken))) {
        return Future.failedFuture(new IllegalStateException("the ID token's nonce is not the one this sign-in sent"));
      }
      return Future.succeededFuture(authenticated.principal());
    });
  }

  /** The nonce claim of a token whose signature was verified already. */
  private static String nonceOf(String idToken) {
    try {
      String payload = idToken.split("\\.")[1];
      Object nonce = new JsonObject(new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8)).getValue("nonce");
      return nonce instanceof String s ? s : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  private Future<JsonObject> providerMetadata() {
    JsonObject known = metadata;
    if (known != null) {
      return Future.succeededFuture(known);
    }
    String issuer = config.issuer().endsWith("/") ? config.issuer().substring(0, config.issuer().length() - 1) : config.issuer();
    return fetcher.getJson(issuer + "/.well-known/openid-configuration").onSuccess(m -> metadata = m);
  }

  private String callbackUrl() {
    return endpoint.baseUrl() + CALLBACK;
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
