package io.portcullis.oauth;

import io.portcullis.Sha256;
import io.portcullis.auth.AuthorizationServerMetadataProxy;
import io.portcullis.auth.PublicEndpoint;
import io.portcullis.auth.fetch.TargetGuard;
import io.portcullis.config.OAuthServerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The built-in OAuth 2.1 authorization server: RFC 8414 metadata at every path clients probe
 * (issuer = the public base URL), dynamic client registration (RFC 7591), /authorize with PKCE
 * and a consent page, /token, revocation (RFC 7009), and the 2025-03-26 fallback endpoints at the
 * root. Humans are authenticated by the trusted reverse proxy in front, or by the company's OIDC
 * provider (Portcullis its confidential client); Portcullis never sees a password. Its access tokens are accepted by the {@code oauth-as} provider.
 */
public final class OAuthServer {
  private final OAuthServerConfig config;
  private final PublicEndpoint endpoint;
  private final OAuthStore store;
  private final TokenSigner signer;
  private final RedirectUris redirectUris;
  private final PendingGrants grants = new PendingGrants();
  private final AuthorizeEndpoint authorize;
  private final TokenEndpoint token;

  private final UpstreamLogin upstream;
  private final ClientMetadataDocuments documents;

  private OAuthServer(Vertx vertx, OAuthServerConfig config, List<String> grantableScopes, PublicEndpoint endpoint,
      OAuthStore store, TargetGuard guard) {
    this.config = config;
    this.endpoint = endpoint;
    this.store = store;
    this.signer = new TokenSigner(config.signingKeys());
    this.redirectUris = new RedirectUris(config.redirectUris());
    this.upstream = config.upstream() == null ? null : new UpstreamLogin(vertx, config.upstream(), endpoint, guard);
    this.documents = new ClientMetadataDocuments(config.clientMetadataHosts(),
        new io.portcullis.auth.fetch.GuardedFetcher(vertx, guard, java.time.Duration.ofSeconds(5)), redirectUris);
    ClientDirectory clients = id -> store.client(id).filter(c -> !c.unusedSince(unusedBefore())).or(() -> documents.find(id));
    this.authorize = new AuthorizeEndpoint(config, grantableScopes, clients, grants, endpoint, upstream);
    this.token = new TokenEndpoint(config, store, clients, grants, endpoint, signer);
  }

  /**
   * Opens the server's state (blocking: call it off the event loop). It grants no scope outside
   * {@code grantableScopes} ({@code auth.scopesSupported}, what the resource advertises).
   *
   * @throws IOException when the state file cannot be read
   */
  public static OAuthServer open(Vertx vertx, OAuthServerConfig config, List<String> grantableScopes, PublicEndpoint endpoint,
      TargetGuard guard) throws IOException {
    String file = System.getenv("PORTCULLIS_OAUTH_STATE_FILE");
    Path path = Path.of(file == null || file.isBlank() ? config.stateFile() : file);
    return new OAuthServer(vertx, config, grantableScopes, endpoint,
        FileOAuthStore.open(vertx, path, System.getenv("PORTCULLIS_OAUTH_STATE")), guard);
  }

  /** What the {@code oauth-as} provider verifies tokens with. */
  public TokenSigner signer() {
    return signer;
  }

  /** Whether an access token was revoked: by itself, or with its family (a replayed code or refresh token). */
  public boolean revoked(String jti, String family) {
    return store.accessTokenRevoked(jti) || store.familyRevoked(family);
  }

  public PublicEndpoint endpoint() {
    return endpoint;
  }

  public void mount(Router router, String mcpPath) {
    for (String path : AuthorizationServerMetadataProxy.probedPaths(mcpPath)) {
      router.get(path).handler(ctx -> OAuthResponses.json(ctx, 200, metadata()));
    }
    BodyHandler body = BodyHandler.create(false).setBodyLimit(64 * 1024);
    router.post("/register").handler(body).handler(this::register);
    router.get("/authorize").handler(documents.prefetch(ctx -> ctx.request().getParam("client_id"),
        (ctx, why) -> OAuthResponses.errorPage(ctx, 400, "The client cannot be used: " + why + "."))).handler(authorize::authorize);
    if (upstream != null) {
      router.get(UpstreamLogin.CALLBACK).handler(ctx -> upstream.callback(ctx, authorize));
    }
    router.post("/authorize/consent").handler(body).handler(authorize::consent);
    // A client known by its metadata document is looked up anew once its cached document expires: at /revoke too.
    var formClient = documents.prefetch(ctx -> ctx.request().getFormAttribute("client_id"),
        (ctx, why) -> OAuthResponses.error(ctx, 401, "invalid_client", why));
    router.post("/token").handler(body).handler(formClient).handler(token::token);
    router.post("/revoke").handler(body).handler(formClient).handler(token::revoke);
  }

  JsonObject metadata() {
    String issuer = endpoint.baseUrl();
    return new JsonObject()
        .put("issuer", issuer)
        .put("authorization_endpoint", issuer + "/authorize")
        .put("token_endpoint", issuer + "/token")
        .put("registration_endpoint", issuer + "/register")
        .put("revocation_endpoint", issuer + "/revoke")
        .put("response_types_supported", new JsonArray().add("code"))
        .put("grant_types_supported", new JsonArray().add("authorization_code").add("refresh_token"))
        .put("code_challenge_methods_supported", new JsonArray().add("S256"))
        .put("token_endpoint_auth_methods_supported", new JsonArray().add("none").add("client_secret_basic").add("client_secret_post"))
        .put("revocation_endpoint_auth_methods_supported", new JsonArray().add("none").add("client_secret_basic").add("client_secret_post"))
        .put("authorization_response_iss_parameter_supported", true)
        .put("client_id_metadata_document_supported", documents.enabled());
  }

  /** Clients registered before this (seconds) that never obtained a token are forgotten. */
  private long unusedBefore() {
    return System.currentTimeMillis() / 1000 - config.unusedClientLifetime().toSeconds();
  }

  /**
   * RFC 7591 registration: every redirect URI must be allowed; a confidential client gets a secret
   * once. Anyone can register, so at most {@code maxClients} are kept, and those that never obtain a
   * token are forgotten after {@code unusedClientLifetime}.
   */
  private void register(RoutingContext ctx) {
    JsonObject request;
    try {
      request = ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      request = null;
    }
    if (request == null) {
      OAuthResponses.error(ctx, 400, "invalid_client_metadata", "the registration request must be a JSON object");
      return;
    }
    if (!(request.getValue("redirect_uris") instanceof JsonArray uris) || uris.isEmpty()
        || uris.stream().anyMatch(u -> !(u instanceof String))) {
      OAuthResponses.error(ctx, 400, "invalid_redirect_uri", "redirect_uris must be a non-empty array of URLs");
      return;
    }
    for (Object uri : uris) {
      String refusal = redirectUris.refusal((String) uri);
      if (refusal != null) {
        OAuthResponses.error(ctx, 400, "invalid_redirect_uri", refusal);
        return;
      }
    }
    String method = request.getValue("token_endpoint_auth_method") instanceof String m ? m : "client_secret_basic";
    if (!List.of("none", "client_secret_basic", "client_secret_post").contains(method)) {
      OAuthResponses.error(ctx, 400, "invalid_client_metadata", "token_endpoint_auth_method must be none, client_secret_basic or client_secret_post");
      return;
    }
    String clientId = Secrets.random(16);
    String secret = method.equals("none") ? null : Secrets.random(32);
    String name = request.getValue("client_name") instanceof String n ? n : null;
    List<String> redirects = uris.stream().map(String.class::cast).toList();
    long now = System.currentTimeMillis() / 1000;
    OAuthState.Client client = new OAuthState.Client(clientId, secret == null ? null : Sha256.hex(secret), method, name, redirects,
        now, true);
    store.register(client, config.maxClients(), unusedBefore()).onComplete(r -> {
      if (r.failed()) {
        OAuthResponses.error(ctx, 503, "temporarily_unavailable", "the registration could not be stored; try again");
        return;
      }
      if (!r.result()) {
        OAuthResponses.error(ctx, 503, "temporarily_unavailable", "this server keeps at most " + config.maxClients()
            + " registered clients (auth.oauthServer.maxClients) and has that many; those that obtain no token are forgotten"
            + " after auth.oauthServer.unusedClientLifetime: try again later");
        return;
      }
      JsonObject answer = new JsonObject().put("client_id", clientId).put("client_id_issued_at", now)
          .put("redirect_uris", new JsonArray(redirects)).put("token_endpoint_auth_method", method)
          .put("grant_types", new JsonArray().add("authorization_code").add("refresh_token"))
          .put("response_types", new JsonArray().add("code"));
      if (name != null) {
        answer.put("client_name", name);
      }
      if (secret != null) {
        answer.put("client_secret", secret).put("client_secret_expires_at", 0);
      }
      OAuthResponses.json(ctx, 201, answer);
    });
  }
}
