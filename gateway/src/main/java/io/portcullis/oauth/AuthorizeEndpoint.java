package io.portcullis.oauth;

import io.portcullis.auth.AuthOutcome;
import io.portcullis.auth.AuthRequest;
import io.portcullis.auth.PublicEndpoint;
import io.portcullis.auth.forwarded.ForwardedAuthProvider;
import io.portcullis.config.OAuthServerConfig;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code /authorize}: checks the client and its redirect URI (errors about them are shown on a
 * page, never redirected), then PKCE (S256 only), the resource and the response type (errors
 * redirected with the client's state), then who the human is (the trusted proxy's headers, from a
 * trusted peer only, or an OIDC sign-in at the company's provider: {@link UpstreamLogin}), and
 * shows a consent page. The page's answer ({@code /authorize/consent}) must carry the consent's
 * CSRF token, in the form and in a same-site cookie (and, behind a proxy, come from the same
 * human); approval redirects with a single-use code bound to everything checked here.
 */
final class AuthorizeEndpoint {
  static final String CSRF_COOKIE = "portcullis_oauth_csrf";

  private final OAuthServerConfig config;
  private final Set<String> grantableScopes;
  private final ClientDirectory clients;
  private final PendingGrants grants;
  private final PublicEndpoint endpoint;
  private final ForwardedAuthProvider human;
  private final UpstreamLogin upstream;

  /** A validated authorization request of an MCP client, waiting for the human. */
  record Request(OAuthState.Client client, String redirectUri, String state, String challenge, String scope) {
  }

  /** Exactly one of {@code config.trustedProxy()} and {@code upstream} says who the human is. */
  AuthorizeEndpoint(OAuthServerConfig config, List<String> grantableScopes, ClientDirectory clients, PendingGrants grants,
      PublicEndpoint endpoint, UpstreamLogin upstream) {
    this.config = config;
    this.grantableScopes = Set.copyOf(grantableScopes);
    this.clients = clients;
    this.grants = grants;
    this.endpoint = endpoint;
    this.human = config.trustedProxy() == null ? null : new ForwardedAuthProvider(config.trustedProxy());
    this.upstream = upstream;
  }

  void authorize(RoutingContext ctx) {
    MultiMap q = ctx.request().params();
    var client = clients.find(q.get("client_id"));
    if (client.isEmpty()) {
      OAuthResponses.errorPage(ctx, 400, "Unknown client '" + q.get("client_id") + "': it is not registered with this server.");
      return;
    }
    String redirectUri = q.get("redirect_uri");
    if (!RedirectUris.isRegistered(redirectUri, client.get().redirectUris())) {
      OAuthResponses.errorPage(ctx, 400, "The redirect URI '" + redirectUri + "' is not one registered for client '"
          + client.get().clientId() + "' (registered: " + String.join(", ", client.get().redirectUris()) + ").");
      return;
    }
    String state = q.get("state");
    if (!"code".equals(q.get("response_type"))) {
      redirectError(ctx, redirectUri, state, "unsupported_response_type", "only response_type=code is supported");
      return;
    }
    if (!"S256".equals(q.get("code_challenge_method")) || !Pkce.isChallenge(q.get("code_challenge"))) {
      redirectError(ctx, redirectUri, state, "invalid_request", "PKCE with code_challenge_method=S256 is required");
      return;
    }
    String resource = q.get("resource");
    if (resource != null && !resource.equals(endpoint.mcpUrl())) {
      redirectError(ctx, redirectUri, state, "invalid_target", "resource must be " + endpoint.mcpUrl());
      return;
    }
    Request request = new Request(client.get(), redirectUri, state, q.get("code_challenge"), grantable(q.get("scope")));
    if (upstream != null) {
      upstream.begin(ctx, request);
      return;
    }
    authenticateHuman(ctx).onSuccess(outcome -> {
      if (!(outcome instanceof AuthOutcome.Authenticated who)) {
        refuseHuman(ctx, outcome);
        return;
      }
      var principal = who.principal();
      showConsent(ctx, request, new OAuthState.Grant(principal.subject(), List.copyOf(principal.groups()),
          principal.claims().get("email") instanceof String email ? email : null, request.scope(), endpoint.mcpUrl()));
    });
  }

  /**
   * The requested scopes this server grants, in the order asked, or null for none. The client asks;
   * the server decides (RFC 6749 section 3.3): a scope the resource does not advertise in
   * {@code auth.scopesSupported} is left out, so that no client can give itself a scope that
   * policy reads. The token response names the scopes granted.
   */
  private String grantable(String requested) {
    if (requested == null) {
      return null;
    }
    String granted = Arrays.stream(requested.trim().split("\\s+")).filter(grantableScopes::contains).distinct()
        .collect(Collectors.joining(" "));
    return granted.isEmpty() ? null : granted;
  }

  /** The consent page for a request whose human is known; its anti-forgery token goes in the form and a strict cookie. */
  void showConsent(RoutingContext ctx, Request request, OAuthState.Grant grant) {
    PendingGrants.Consent consent = grants.newConsent(request.client(), request.redirectUri(), request.state(), request.challenge(), grant);
    ctx.response().addCookie(Cookie.cookie(CSRF_COOKIE, consent.csrf()).setHttpOnly(true).setPath("/authorize")
        .setSameSite(CookieSameSite.STRICT).setSecure(endpoint.mcpUrl().startsWith("https:")));
    OAuthResponses.page(ctx, 200, "Allow access to Portcullis?", consentForm(consent));
  }

  void consent(RoutingContext ctx) {
    MultiMap form = ctx.request().formAttributes();
    PendingGrants.Consent consent = grants.takeConsent(form.get("request"));
    if (consent == null) {
      OAuthResponses.errorPage(ctx, 400, "This authorization request is unknown or has expired; start again from the application.");
      return;
    }
    Cookie cookie = ctx.request().getCookie(CSRF_COOKIE);
    if (!same(form.get("csrf"), consent.csrf()) || cookie == null || !same(cookie.getValue(), consent.csrf())) {
      OAuthResponses.errorPage(ctx, 403, "The consent form's anti-forgery check failed; start again from the application.");
      return;
    }
    // Behind a trusted proxy the answer must come from the same user; after an OIDC sign-in the
    // consent is bound to this browser by its anti-forgery cookie.
    Future<AuthOutcome> answeredBy = human == null
        ? Future.succeededFuture(new AuthOutcome.Authenticated(new io.portcullis.auth.Principal(consent.grant().subject(), "oidc",
            null, null, null, null, null, null)))
        : authenticateHuman(ctx);
    answeredBy.onSuccess(outcome -> {
      if (!(outcome instanceof AuthOutcome.Authenticated who)) {
        refuseHuman(ctx, outcome);
        return;
      }
      if (!who.principal().subject().equals(consent.grant().subject())) {
        OAuthResponses.errorPage(ctx, 403, "The consent was answered by another user than the one it was shown to.");
        return;
      }
      ctx.response().addCookie(Cookie.cookie(CSRF_COOKIE, "").setPath("/authorize").setMaxAge(0));
      if (!"approve".equals(form.get("decision"))) {
        redirectError(ctx, consent.redirectUri(), consent.state(), "access_denied", "the user denied access");
        return;
      }
      String code = grants.newCode(new PendingGrants.Code(consent.client().clientId(), consent.redirectUri(), consent.challenge(),
          consent.grant(), System.currentTimeMillis() + config.codeLifetime().toMillis()));
      redirect(ctx, consent.redirectUri(), "code=" + encode(code) + stateParam(consent.state()) + "&iss=" + encode(endpoint.baseUrl()));
    });
  }

  private Future<AuthOutcome> authenticateHuman(RoutingContext ctx) {
    return human.authenticate(AuthRequest.of(ctx.request()));
  }

  private void refuseHuman(RoutingContext ctx, AuthOutcome outcome) {
    if (outcome instanceof AuthOutcome.Rejected rejected) {
      OAuthResponses.errorPage(ctx, 403, "The request did not come from a trusted proxy: " + rejected.detail()
          + ". Reach Portcullis through the reverse proxy listed in auth.oauthServer.trustedProxy.trustedCidrs.");
    } else {
      OAuthResponses.errorPage(ctx, 401, "No signed-in user: the trusted proxy must name the user in the "
          + config.trustedProxy().userHeader() + " header.");
    }
  }

  private String consentForm(PendingGrants.Consent consent) {
    String host = URI.create(consent.redirectUri()).getHost();
    String name = consent.client().name() == null ? consent.client().clientId() : consent.client().name();
    return "<p><b>" + OAuthResponses.escape(name) + "</b> wants to use MCP tools through Portcullis on behalf of <b>"
        + OAuthResponses.escape(consent.grant().subject()) + "</b>"
        + (consent.grant().scope() == null ? "" : ", with the scopes <b>" + OAuthResponses.escape(consent.grant().scope()) + "</b>")
        + ".</p>"
        + "<p>After you answer, you return to <b>" + OAuthResponses.escape(host) + "</b>.</p>"
        + "<form method=\"post\" action=\"/authorize/consent\">"
        + "<input type=\"hidden\" name=\"request\" value=\"" + OAuthResponses.escape(consent.id()) + "\">"
        + "<input type=\"hidden\" name=\"csrf\" value=\"" + OAuthResponses.escape(consent.csrf()) + "\">"
        + "<button type=\"submit\" name=\"decision\" value=\"approve\">Allow</button> "
        + "<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></form>";
  }

  /** An error sent back to a verified redirect URI, with the issuer as RFC 9207 asks of error responses too. */
  private void redirectError(RoutingContext ctx, String redirectUri, String state, String error, String description) {
    redirect(ctx, redirectUri, "error=" + encode(error) + "&error_description=" + encode(description) + stateParam(state)
        + "&iss=" + encode(endpoint.baseUrl()));
  }

  private static void redirect(RoutingContext ctx, String redirectUri, String query) {
    String location = redirectUri + (redirectUri.contains("?") ? "&" : "?") + query;
    OAuthResponses.noStore(ctx.response()).setStatusCode(302).putHeader("Location", location).end();
  }

  private static String stateParam(String state) {
    return state == null ? "" : "&state=" + encode(state);
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static boolean same(String a, String b) {
    return a != null && b != null && MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  static List<String> split(String value) {
    return value == null ? List.of() : Arrays.stream(value.split(" ")).filter(s -> !s.isBlank()).toList();
  }
}
