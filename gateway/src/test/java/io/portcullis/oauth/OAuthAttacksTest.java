package io.portcullis.oauth;

import static io.portcullis.oauth.OAuthBrowser.authorizeParams;
import static io.portcullis.oauth.OAuthBrowser.codeForm;
import static io.portcullis.oauth.OAuthBrowser.json;
import static io.portcullis.oauth.OAuthBrowser.redirectQuery;
import static io.portcullis.oauth.OAuthBrowser.redirectTarget;
import static io.portcullis.oauth.OAuthBrowser.refreshForm;
import static io.portcullis.oauth.OAuthBrowser.tokens;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.config.ConfigException;
import io.portcullis.config.ConfigLoader;
import io.portcullis.oauth.OAuthBrowser.Client;
import io.portcullis.oauth.OAuthBrowser.Consent;
import io.portcullis.oauth.OAuthBrowser.Pkce;
import io.portcullis.oauth.OAuthBrowser.Tokens;
import io.portcullis.testing.RecordingMcpServer;
import io.portcullis.testing.RunningGateway;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The table of attacks against the built-in authorization server, each against a real
 * gateway (real sockets, the repository's policy, a recording MCP backend): the exact refusal
 * (status, OAuth error code, a description naming the failed check) and, where it matters, that no
 * token was issued and nothing reached the backend. The browser behind the trusted proxy and the
 * OAuth client are both played by {@link OAuthBrowser}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OAuthAttacksTest {
  static final String KEY1 = "k1-test-signing-key-of-at-least-32-bytes";
  static final String KEY2 = "k2-test-signing-key-of-at-least-32-bytes";
  static final String K1 = "[{kid: k1, secret: \"" + KEY1 + "\"}]";
  static final String APP = "https://app.example.com/cb";
  static final String LOOPBACK = "http://127.0.0.1:49152/callback";
  static final String ALICE = "alice@example.com";

  @TempDir
  static Path temp;
  RecordingMcpServer backend;
  /** Default lifetimes, refreshReuseGrace 500ms, the trusted proxy on 127.0.0.1. */
  RunningGateway gateway;
  OAuthBrowser as;
  Path audit;
  /** codeLifetime 1s and accessTokenLifetime 1s. */
  RunningGateway shortLived;
  OAuthBrowser shortAs;
  /** The trusted proxy is in 10.0.0.0/8: the tests' peer 127.0.0.1 is not trusted. */
  RunningGateway untrusted;
  OAuthBrowser untrustedAs;

  @BeforeAll
  void start() throws Exception {
    backend = RecordingMcpServer.start();
    audit = temp.resolve("audit");
    gateway = RunningGateway.start(config(0, temp.resolve("main-state.json"), K1, "[\"127.0.0.1/32\"]", audit,
        "refreshReuseGrace: 500ms"));
    as = new OAuthBrowser("http://127.0.0.1:" + gateway.port());
    shortLived = RunningGateway.start(config(0, temp.resolve("short-state.json"), K1, "[\"127.0.0.1/32\"]", temp.resolve("audit-short"),
        "codeLifetime: 1s", "accessTokenLifetime: 1s"));
    shortAs = new OAuthBrowser("http://127.0.0.1:" + shortLived.port());
    untrusted = RunningGateway.start(config(0, temp.resolve("untrusted-state.json"), K1, "[\"10.0.0.0/8\"]",
        temp.resolve("audit-untrusted")));
    untrustedAs = new OAuthBrowser("http://127.0.0.1:" + untrusted.port());
  }

  @AfterAll
  void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {gateway, shortLived, untrusted, backend}) {
      if (c != null) {
        c.close();
      }
    }
  }

  /** A gateway with the built-in authorization server, an oauth-as provider and the recording backend. */
  String config(int port, Path stateFile, String signingKeys, String trustedCidrs, Path auditDir, String... oauthExtra) {
    StringBuilder extra = new StringBuilder();
    for (String line : oauthExtra) {
      extra.append("    ").append(line).append('\n');
    }
    return """
        server: {port: %d}
        auth:
          scopesSupported: [mcp]
          oauthServer:
            enabled: true
            signingKeys: %s
            redirectUris: ["https://app.example.com/*", "http://127.0.0.1/*"]
            trustedProxy: {trustedCidrs: %s}
            injectedRoles: [editor]
            stateFile: "%s"
        %s  providers:
            - oauth-as: {}
        backends:
          - name: recorder
            http: {url: %s}
        audit: {directory: "%s", fsync: always}
        """.formatted(port, signingKeys, trustedCidrs, stateFile, extra, backend.url(), auditDir);
  }

  /** What a test does with a gateway of its own, a client registered there, and the gateway's state file. */
  interface OnOwnGateway {
    void run(OAuthBrowser browser, Client client, Path state) throws Exception;
  }

  /** Runs {@code test} on a gateway of its own (with these lines added to auth.oauthServer). */
  void onOwnGateway(String name, OnOwnGateway test, String... oauthExtra) throws Exception {
    Path state = temp.resolve(name + "-state.json");
    try (RunningGateway own = RunningGateway.start(config(0, state, K1, "[\"127.0.0.1/32\"]", temp.resolve("audit-" + name), oauthExtra))) {
      OAuthBrowser browser = new OAuthBrowser("http://127.0.0.1:" + own.port());
      test.run(browser, browser.registerPublic(APP), state);
    }
  }

  // ---------------------------------------------------------------- assertions

  /** An OAuth error answer (JSON) with this status and code, whose description names the failed check. */
  static void assertOAuthError(HttpResponse<String> response, int status, String error, String describedAs) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
    JsonNode body = json(response);
    assertThat(body.path("error").asText()).as(response.body()).isEqualTo(error);
    assertThat(body.path("error_description").asText()).as(response.body()).contains(describedAs);
    assertThat(body.has("access_token")).isFalse();
    assertThat(body.has("refresh_token")).isFalse();
  }

  /** An HTML refusal page that cannot be framed, with no redirect and no consent cookie. */
  static void assertErrorPage(HttpResponse<String> response, int status, String describedAs) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    assertThat(response.headers().firstValue("X-Frame-Options")).hasValue("DENY");
    assertThat(response.headers().firstValue("Location")).as("never redirected").isEmpty();
    assertThat(response.headers().allValues("Set-Cookie")).as("no consent cookie").noneMatch(c -> c.contains("csrf=") && !c.contains("Max-Age=0"));
    assertThat(response.body()).contains(OAuthResponses.escape(describedAs));
  }

  /** A 302 back to {@code redirectUri} with this OAuth error, the state untouched, and no code. */
  static void assertRedirectedError(HttpResponse<String> response, String redirectUri, String error, String describedAs, String state) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(302);
    assertThat(redirectTarget(response)).isEqualTo(redirectUri);
    Map<String, String> q = redirectQuery(response);
    assertThat(q.get("error")).isEqualTo(error);
    assertThat(q.get("error_description")).contains(describedAs);
    assertThat(q.get("state")).isEqualTo(state);
    assertThat(q).doesNotContainKey("code");
  }

  /** The /mcp refusal of a bearer token the gateway does not accept. */
  static void assertRefusedAtMcp(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
    assertThat(json(response).path("error").asText()).isEqualTo("invalid_token");
    assertThat(response.headers().firstValue("WWW-Authenticate").orElse("")).contains("error=\"invalid_token\"");
  }

  static String headerOf(String jwt) {
    return new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[0]), StandardCharsets.UTF_8);
  }

  static JsonObject payloadOf(String jwt) {
    return new JsonObject(new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]), StandardCharsets.UTF_8));
  }

  static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  // ---------------------------------------------------------------- registration

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class Registration {
    Stream<Arguments> refusedRedirectUris() {
      return Stream.of(
          Arguments.of("a host the operator patterns do not allow", "https://evil.example.com/cb",
              "matches none of the redirect URI patterns the operator allows"),
          Arguments.of("http on a non-loopback host", "http://app.example.com/cb", "must use https (http only on a loopback host)"),
          Arguments.of("a fragment", "https://app.example.com/cb#fragment", "must not have a fragment"),
          Arguments.of("javascript:", "javascript:alert(document.cookie)", "is not an absolute URL"),
          Arguments.of("user information", "https://app.example.com@evil.example.com/cb", "must not carry user information"),
          Arguments.of("a loopback look-alike over http", "http://127.0.0.1.evil.example.com/cb", "must use https"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedRedirectUris")
    void aRedirectUriTheRulesDoNotAllowIsRefused(String name, String uri, String why) throws Exception {
      HttpResponse<String> response = as.register(new JsonObject().put("token_endpoint_auth_method", "none")
          .put("redirect_uris", new io.vertx.core.json.JsonArray().add(APP).add(uri)));

      assertOAuthError(response, 400, "invalid_redirect_uri", why);
      assertThat(json(response).has("client_id")).as("nothing registered").isFalse();
    }

    @Test
    void aRegistrationBeyondMaxClientsIsRefusedNamingTheLimitWhenEveryClientHasObtainedAToken() throws Exception {
      onOwnGateway("max-clients", (browser, first, state) -> {
        browser.authorizeAndExchange(first, ALICE);
        browser.authorizeAndExchange(browser.registerPublic(APP), ALICE);

        HttpResponse<String> third = browser.register(new JsonObject().put("token_endpoint_auth_method", "none")
            .put("redirect_uris", new io.vertx.core.json.JsonArray().add(APP)));

        assertOAuthError(third, 503, "temporarily_unavailable",
            "this server keeps at most 2 registered clients (auth.oauthServer.maxClients) and has that many");
        assertThat(json(third).has("client_id")).as("nothing registered").isFalse();
      }, "maxClients: 2");
    }

    @Test
    void aRegistrationBeyondMaxClientsMakesRoomByForgettingAClientThatNeverObtainedAToken() throws Exception {
      // Refusing everyone once full would let anyone keep registration closed with a trickle of registrations.
      onOwnGateway("max-clients-room", (browser, used, state) -> {
        browser.authorizeAndExchange(used, ALICE);
        Client unused = browser.registerPublic(APP);

        Client newest = browser.registerPublic(APP);

        assertErrorPage(browser.authorize(authorizeParams(unused, Pkce.create(), "st"), Map.of("X-Forwarded-User", ALICE)), 400,
            "Unknown client '" + unused.id() + "'");
        assertThat(browser.authorizeAndExchange(used, ALICE).refresh()).as("a client that obtained a token is kept").isNotBlank();
        assertThat(browser.authorizeAndExchange(newest, ALICE).refresh()).isNotBlank();
      }, "maxClients: 2");
    }

    @Test
    void aClientThatObtainsNoTokenWithinUnusedClientLifetimeIsForgottenAndFreesItsPlace() throws Exception {
      onOwnGateway("unused-clients", (browser, used, state) -> {
        Tokens tokens = browser.authorizeAndExchange(used, ALICE);
        Client unused = browser.registerPublic(APP);

        Thread.sleep(3_100); // unusedClientLifetime is 2s; registration times are whole seconds

        assertErrorPage(browser.authorize(authorizeParams(unused, Pkce.create(), "st"), Map.of("X-Forwarded-User", ALICE)), 400,
            "Unknown client '" + unused.id() + "'");
        assertThat(browser.authorizeAndExchange(browser.registerPublic(APP), ALICE).refresh()).isNotBlank();
        assertThat(browser.token(refreshForm(used, tokens.refresh())).statusCode()).as("the client that obtained a token is kept")
            .isEqualTo(200);
      }, "maxClients: 2", "unusedClientLifetime: 2s");
    }

    @Test
    void aConfidentialClientGetsASecretAndAuthenticatesWithBasicAndWithPost() throws Exception {
      Client client = as.registerConfidential("client_secret_basic", APP);
      assertThat(client.secret()).as("a confidential client gets a secret").isNotBlank();

      Pkce pkce = Pkce.create();
      String code = as.approvedCode(authorizeParams(client, pkce, "st"), ALICE);
      Map<String, String> form = codeForm(client, code, pkce);
      form.remove("client_id");
      Tokens basic = tokens(as.token(form, client.id(), client.secret()));

      Map<String, String> post = refreshForm(client, basic.refresh());
      post.put("client_secret", client.secret());
      Tokens posted = tokens(as.token(post));
      assertThat(posted.access()).isNotEqualTo(basic.access());
    }

    @Test
    void aWrongOrMissingSecretIsInvalidClient() throws Exception {
      Client client = as.registerConfidential("client_secret_basic", APP);
      Tokens tokens = as.authorizeAndExchangeConfidential(client, ALICE);

      Map<String, String> basic = refreshForm(client, tokens.refresh());
      basic.remove("client_id");
      HttpResponse<String> wrongBasic = as.token(basic, client.id(), client.secret() + "x");
      assertOAuthError(wrongBasic, 401, "invalid_client", "client '" + client.id() + "' failed authentication (client_secret_basic)");
      assertThat(wrongBasic.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));

      Map<String, String> post = refreshForm(client, tokens.refresh());
      post.put("client_secret", "not-the-secret");
      assertOAuthError(as.token(post), 401, "invalid_client", "failed authentication (client_secret_post)");

      assertOAuthError(as.token(refreshForm(client, tokens.refresh())), 401, "invalid_client", "failed authentication (none)");

      // None of the refused attempts spent the refresh token.
      Map<String, String> good = refreshForm(client, tokens.refresh());
      good.put("client_secret", client.secret());
      assertThat(as.token(good).statusCode()).isEqualTo(200);
    }
  }

  // ---------------------------------------------------------------- /authorize: redirect URIs

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class AuthorizeRedirectUri {
    Client client;

    @BeforeAll
    void register() throws Exception {
      client = as.registerPublic(APP);
    }

    Stream<Arguments> variants() {
      return Stream.of(
          Arguments.of("a trailing slash", APP + "/"),
          Arguments.of("another case in the path", "https://app.example.com/CB"),
          Arguments.of("an extra query parameter", APP + "?next=https://evil.example.com"),
          Arguments.of("another path", "https://app.example.com/other"),
          Arguments.of("a fragment", APP + "#fragment"),
          Arguments.of("javascript:", "javascript:alert(document.cookie)"),
          Arguments.of("no redirect_uri at all", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void aVariantOfTheRegisteredUriIsRefusedOnAPageNeverRedirected(String name, String variant) throws Exception {
      Map<String, String> q = authorizeParams(client, Pkce.create(), "st-1");
      q.put("redirect_uri", variant);

      HttpResponse<String> response = as.authorize(q, Map.of("X-Forwarded-User", ALICE));

      assertErrorPage(response, 400, "The redirect URI '" + variant + "' is not one registered for client '" + client.id() + "'");
    }

    @Test
    void anUnknownClientIsRefusedOnAPage() throws Exception {
      Map<String, String> q = authorizeParams(new Client("no-such-client", null, APP), Pkce.create(), "st-1");

      assertErrorPage(as.authorize(q, Map.of("X-Forwarded-User", ALICE)), 400, "Unknown client 'no-such-client'");
    }

    @Test
    void aLoopbackRedirectWithAnotherPortIsAccepted() throws Exception {
      Client loopback = as.registerPublic(LOOPBACK);
      Client onOtherPort = new Client(loopback.id(), null, "http://127.0.0.1:50123/callback");
      Pkce pkce = Pkce.create();

      Consent consent = as.consentPage(authorizeParams(onOtherPort, pkce, "st-2"), ALICE);
      HttpResponse<String> approved = as.answerConsent(consent.request(), consent.csrf(), consent.cookie(), "approve", ALICE);

      assertThat(approved.statusCode()).isEqualTo(302);
      assertThat(redirectTarget(approved)).isEqualTo("http://127.0.0.1:50123/callback");
      assertThat(redirectQuery(approved)).containsEntry("state", "st-2").containsEntry("iss", as.base());
      tokens(as.token(codeForm(onOtherPort, redirectQuery(approved).get("code"), pkce)));
    }

    @Test
    void aLoopbackRedirectWithAnotherPortButAnotherPathIsRefused() throws Exception {
      Client loopback = as.registerPublic(LOOPBACK);
      Map<String, String> q = authorizeParams(loopback, Pkce.create(), "st-3");
      q.put("redirect_uri", "http://127.0.0.1:50123/elsewhere");

      assertErrorPage(as.authorize(q, Map.of("X-Forwarded-User", ALICE)), 400, "is not one registered for client");
    }
  }

  // ---------------------------------------------------------------- PKCE

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class PkceDowngrade {
    Client client;

    @BeforeAll
    void register() throws Exception {
      client = as.registerPublic(APP);
    }

    @Test
    void aMissingChallengeIsRedirectedBackAsInvalidRequest() throws Exception {
      Map<String, String> q = authorizeParams(client, Pkce.create(), "st-pkce-1");
      q.remove("code_challenge");
      q.remove("code_challenge_method");

      HttpResponse<String> response = as.authorize(q, Map.of("X-Forwarded-User", ALICE));

      assertRedirectedError(response, APP, "invalid_request", "PKCE with code_challenge_method=S256 is required", "st-pkce-1");
    }

    @Test
    void thePlainMethodIsRedirectedBackAsInvalidRequest() throws Exception {
      Pkce pkce = Pkce.create();
      Map<String, String> q = authorizeParams(client, pkce, "st-pkce-2");
      q.put("code_challenge", pkce.verifier().substring(0, 43));
      q.put("code_challenge_method", "plain");

      HttpResponse<String> response = as.authorize(q, Map.of("X-Forwarded-User", ALICE));

      assertRedirectedError(response, APP, "invalid_request", "PKCE with code_challenge_method=S256 is required", "st-pkce-2");
    }

    @Test
    void aWrongVerifierIsInvalidGrantAndBurnsTheCode() throws Exception {
      Pkce pkce = Pkce.create();
      String code = as.approvedCode(authorizeParams(client, pkce, "st"), ALICE);
      Map<String, String> form = codeForm(client, code, pkce);
      form.put("code_verifier", Pkce.create().verifier());

      assertOAuthError(as.token(form), 400, "invalid_grant", "code_verifier does not match the code_challenge");
      assertOAuthError(as.token(codeForm(client, code, pkce)), 400, "invalid_grant", "the authorization code is unknown or expired");
    }

    @Test
    void aMissingVerifierIsInvalidGrant() throws Exception {
      Pkce pkce = Pkce.create();
      String code = as.approvedCode(authorizeParams(client, pkce, "st"), ALICE);
      Map<String, String> form = codeForm(client, code, pkce);
      form.remove("code_verifier");

      assertOAuthError(as.token(form), 400, "invalid_grant", "code_verifier is missing (PKCE is required)");
    }
  }

  // ---------------------------------------------------------------- codes

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class Codes {
    Client client;

    @BeforeAll
    void register() throws Exception {
      client = as.registerPublic(APP, "https://app.example.com/cb2");
    }

    @Test
    void aReplayedCodeIsInvalidGrantAndRevokesTheRefreshTokenOfTheFirstExchange() throws Exception {
      Pkce pkce = Pkce.create();
      String code = as.approvedCode(authorizeParams(client, pkce, "st"), ALICE);
      Tokens first = tokens(as.token(codeForm(client, code, pkce)));

      assertOAuthError(as.token(codeForm(client, code, pkce)), 400, "invalid_grant",
          "the authorization code was already used; the tokens issued for it are revoked");
      assertOAuthError(as.token(refreshForm(client, first.refresh())), 400, "invalid_grant", "the refresh token was revoked");
    }

    @Test
    void aReplayedCodeAlsoRevokesTheAccessTokenOfTheFirstExchange() throws Exception {
      Pkce pkce = Pkce.create();
      String code = as.approvedCode(authorizeParams(client, pkce, "st"), ALICE);
      Tokens first = tokens(as.token(codeForm(client, code, pkce)));
      assertThat(as.initialize(first.access()).statusCode()).isEqualTo(200);

      assertOAuthError(as.token(codeForm(client, code, pkce)), 400, "invalid_grant", "already used");

      // The issue: "a second use revokes what the first issued" (RFC 6749 4.1.2).
      assertRefusedAtMcp(as.initialize(first.access()));
    }

    @Test
    void ofTwoExchangesOfOneCodeRacingOnTwoEventLoopsOneWinsAndTheOtherRevokesWhatItIssued() throws Exception {
      // A race is decided within microseconds: many pairs, so that some arrive together (the old code lost
      // the race within 20 to 45 pairs).
      for (int pair = 0; pair < 150; pair++) {
        Pkce pkce = Pkce.create();
        String code = as.approvedCode(authorizeParams(client, pkce, "st"), ALICE);
        CompletableFuture<HttpResponse<String>> a = as.tokenAsync(codeForm(client, code, pkce));
        CompletableFuture<HttpResponse<String>> b = as.tokenAsync(codeForm(client, code, pkce));
        HttpResponse<String> ra = a.get(30, TimeUnit.SECONDS);
        HttpResponse<String> rb = b.get(30, TimeUnit.SECONDS);
        String evidence = "pair " + pair + "\nfirst: " + ra.statusCode() + " " + ra.body() + "\nsecond: " + rb.statusCode() + " " + rb.body();
        assertThat(List.of(ra.statusCode(), rb.statusCode())).as(evidence).containsExactlyInAnyOrder(200, 400);
        HttpResponse<String> winner = ra.statusCode() == 200 ? ra : rb;
        HttpResponse<String> loser = winner == ra ? rb : ra;

        assertThat(json(loser).path("error_description").asText()).as(evidence)
            .isEqualTo("the authorization code was already used; the tokens issued for it are revoked");
        assertOAuthError(as.token(refreshForm(client, tokens(winner).refresh())), 400, "invalid_grant", "the refresh token was revoked");
        assertRefusedAtMcp(as.initialize(tokens(winner).access()));
      }
    }

    @Test
    void anExpiredCodeIsInvalidGrant() throws Exception {
      Client shortClient = shortAs.registerPublic(APP);
      Pkce pkce = Pkce.create();
      String code = shortAs.approvedCode(authorizeParams(shortClient, pkce, "st"), ALICE);

      Thread.sleep(1_500);

      assertOAuthError(shortAs.token(codeForm(shortClient, code, pkce)), 400, "invalid_grant", "the authorization code is unknown or expired");
    }

    @Test
    void aCodeExchangedByAnotherClientIsInvalidGrant() throws Exception {
      Client other = as.registerPublic(APP);
      Pkce pkce = Pkce.create();
      String code = as.approvedCode(authorizeParams(client, pkce, "st"), ALICE);

      assertOAuthError(as.token(codeForm(other, code, pkce)), 400, "invalid_grant", "the authorization code was issued to another client");
    }

    @Test
    void aCodeExchangedWithAnotherRedirectUriIsInvalidGrant() throws Exception {
      Pkce pkce = Pkce.create();
      String code = as.approvedCode(authorizeParams(client, pkce, "st"), ALICE);
      Map<String, String> form = codeForm(client, code, pkce);
      form.put("redirect_uri", "https://app.example.com/cb2");

      assertOAuthError(as.token(form), 400, "invalid_grant", "redirect_uri differs from the one the code was issued for");
    }
  }

  // ---------------------------------------------------------------- resource

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class Resource {
    Client client;

    @BeforeAll
    void register() throws Exception {
      client = as.registerPublic(APP);
    }

    @Test
    void anotherResourceAtAuthorizeIsRedirectedBackAsInvalidTarget() throws Exception {
      Map<String, String> q = authorizeParams(client, Pkce.create(), "st-res");
      q.put("resource", "https://other.example.com/mcp");

      assertRedirectedError(as.authorize(q, Map.of("X-Forwarded-User", ALICE)), APP, "invalid_target",
          "resource must be " + as.mcpUrl(), "st-res");
    }

    @Test
    void anotherResourceAtTokenIsInvalidTarget() throws Exception {
      Pkce pkce = Pkce.create();
      Map<String, String> q = authorizeParams(client, pkce, "st");
      q.put("resource", as.mcpUrl());
      String code = as.approvedCode(q, ALICE);
      Map<String, String> form = codeForm(client, code, pkce);
      form.put("resource", "https://other.example.com/mcp");

      assertOAuthError(as.token(form), 400, "invalid_target", "resource must be " + as.mcpUrl());
    }

    @Test
    void theRightResourceIsTheTokensAudience() throws Exception {
      Pkce pkce = Pkce.create();
      Map<String, String> q = authorizeParams(client, pkce, "st");
      q.put("resource", as.mcpUrl());
      Map<String, String> form = codeForm(client, as.approvedCode(q, ALICE), pkce);
      form.put("resource", as.mcpUrl());

      assertThat(payloadOf(tokens(as.token(form)).access()).getString("aud")).isEqualTo(as.mcpUrl());
    }
  }

  // ---------------------------------------------------------------- scope

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class Scope {
    Client client;

    @BeforeAll
    void register() throws Exception {
      client = as.registerPublic(APP);
    }

    @Test
    void aScopeTheResourceDoesNotAdvertiseIsLeftOutOfConsentAndToken() throws Exception {
      Pkce pkce = Pkce.create();
      Map<String, String> q = authorizeParams(client, pkce, "st-scope");
      q.put("scope", "admin mcp repo:write");
      Consent consent = as.consentPage(q, ALICE);
      assertThat(consent.page().body()).contains("with the scopes <b>mcp</b>").doesNotContain("admin").doesNotContain("repo:write");
      HttpResponse<String> answer = as.answerConsent(consent.request(), consent.csrf(), consent.cookie(), "approve", ALICE);
      HttpResponse<String> issued = as.token(codeForm(client, redirectQuery(answer).get("code"), pkce));

      assertThat(new JsonObject(issued.body()).getString("scope")).as("the token response names what was granted").isEqualTo("mcp");
      assertThat(payloadOf(tokens(issued).access()).getString("scope")).isEqualTo("mcp");
    }

    @Test
    void onlyUnadvertisedScopesGrantNoScopeAtAll() throws Exception {
      Pkce pkce = Pkce.create();
      Map<String, String> q = authorizeParams(client, pkce, "st-none");
      q.put("scope", "admin");
      HttpResponse<String> issued = as.token(codeForm(client, as.approvedCode(q, ALICE), pkce));

      assertThat(new JsonObject(issued.body()).containsKey("scope")).isFalse();
      assertThat(payloadOf(tokens(issued).access()).containsKey("scope")).isFalse();
    }
  }

  // ---------------------------------------------------------------- refresh

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class Refresh {
    Client client;

    @BeforeAll
    void register() throws Exception {
      client = as.registerPublic(APP);
    }

    @Test
    void aSpentRefreshTokenAfterTheGraceWindowRevokesTheWholeFamily() throws Exception {
      Tokens first = as.authorizeAndExchange(client, ALICE);
      Tokens second = tokens(as.token(refreshForm(client, first.refresh())));
      assertThat(second.refresh()).isNotEqualTo(first.refresh());

      Thread.sleep(900); // refreshReuseGrace is 500ms

      assertOAuthError(as.token(refreshForm(client, first.refresh())), 400, "invalid_grant",
          "the refresh token was already used; every token of its family is revoked");
      assertOAuthError(as.token(refreshForm(client, second.refresh())), 400, "invalid_grant", "the refresh token was revoked");
    }

    @Test
    void aSpentRefreshTokenPresentedAgainWithinTheGraceWindowGetsTheSameAnswer() throws Exception {
      Tokens first = as.authorizeAndExchange(client, ALICE);

      HttpResponse<String> a = as.token(refreshForm(client, first.refresh()));
      HttpResponse<String> b = as.token(refreshForm(client, first.refresh()));

      assertThat(a.statusCode()).as(a.body()).isEqualTo(200);
      assertThat(b.statusCode()).as(b.body()).isEqualTo(200);
      assertThat(json(b)).isEqualTo(json(a));
      assertThat(as.token(refreshForm(client, tokens(a).refresh())).statusCode()).as("the family lives on").isEqualTo(200);
    }

    @Test
    void parallelRefreshesWithinTheGraceWindowGetTheSameAnswer() throws Exception {
      Tokens first = as.authorizeAndExchange(client, ALICE);

      CompletableFuture<HttpResponse<String>> a = as.tokenAsync(refreshForm(client, first.refresh()));
      CompletableFuture<HttpResponse<String>> b = as.tokenAsync(refreshForm(client, first.refresh()));
      HttpResponse<String> ra = a.get(30, TimeUnit.SECONDS);
      HttpResponse<String> rb = b.get(30, TimeUnit.SECONDS);
      HttpResponse<String> winner = ra.statusCode() == 200 ? ra : rb;
      HttpResponse<String> next = winner.statusCode() == 200 ? as.token(refreshForm(client, tokens(winner).refresh())) : null;
      String evidence = "first: " + ra.statusCode() + " " + ra.body() + "\nsecond: " + rb.statusCode() + " " + rb.body()
          + "\nthe refresh token of the 200 answer, used next: " + (next == null ? "-" : next.statusCode() + " " + next.body());

      assertThat(List.of(ra.statusCode(), rb.statusCode())).as(evidence).containsExactly(200, 200);
      assertThat(json(rb)).as(evidence).isEqualTo(json(ra));
      assertThat(next.statusCode()).as(evidence).isEqualTo(200);
    }

    @Test
    void aRefreshTokenOfAnotherClientIsInvalidGrant() throws Exception {
      Tokens tokens = as.authorizeAndExchange(client, ALICE);
      Client other = as.registerPublic(APP);

      assertOAuthError(as.token(refreshForm(other, tokens.refresh())), 400, "invalid_grant", "the refresh token was issued to another client");
    }
  }

  // ---------------------------------------------------------------- consent

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class ConsentForgery {
    Client client;

    @BeforeAll
    void register() throws Exception {
      client = as.registerPublic(APP);
    }

    Consent shown() throws Exception {
      Consent consent = as.consentPage(authorizeParams(client, Pkce.create(), "st-consent"), ALICE);
      assertThat(consent.page().headers().firstValue("X-Frame-Options")).hasValue("DENY");
      assertThat(consent.page().headers().allValues("Set-Cookie")).anySatisfy(c -> assertThat(c)
          .startsWith(AuthorizeEndpoint.CSRF_COOKIE + "=").containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Strict"));
      assertThat(consent.request()).isNotBlank();
      assertThat(consent.csrf()).isNotBlank();
      return consent;
    }

    @Test
    void anAnswerWithoutTheCookieIsForbidden() throws Exception {
      Consent consent = shown();

      assertErrorPage(as.answerConsent(consent.request(), consent.csrf(), null, "approve", ALICE), 403,
          "The consent form's anti-forgery check failed");
      // The forged answer used the consent up: the genuine one cannot follow it.
      assertErrorPage(as.answerConsent(consent.request(), consent.csrf(), consent.cookie(), "approve", ALICE), 400,
          "This authorization request is unknown or has expired");
    }

    @Test
    void anAnswerWithAWrongCsrfTokenIsForbidden() throws Exception {
      Consent consent = shown();

      assertErrorPage(as.answerConsent(consent.request(), "forged-csrf", consent.cookie(), "approve", ALICE), 403,
          "The consent form's anti-forgery check failed");
    }

    @Test
    void anAnswerWithTheCookieOfAnotherConsentIsForbidden() throws Exception {
      Consent consent = shown();
      Consent other = shown();

      assertErrorPage(as.answerConsent(consent.request(), consent.csrf(), other.cookie(), "approve", ALICE), 403,
          "The consent form's anti-forgery check failed");
    }

    @Test
    void anAnswerFromAnotherUserIsForbidden() throws Exception {
      Consent consent = shown();

      assertErrorPage(as.answerConsent(consent.request(), consent.csrf(), consent.cookie(), "approve", "mallory@example.com"), 403,
          "The consent was answered by another user than the one it was shown to");
    }

    @Test
    void errorRedirectsCarryTheIssuerLikeCodeRedirects() throws Exception {
      // RFC 9207 section 2: "In authorization responses to the client, including error responses, an authorization
      // server supporting this specification MUST ... include the iss parameter"; the metadata says it supports it.
      assertThat(json(as.get("/.well-known/oauth-authorization-server")).get("authorization_response_iss_parameter_supported")
          .asBoolean()).isTrue();
      Consent consent = shown();
      HttpResponse<String> denied = as.answerConsent(consent.request(), consent.csrf(), consent.cookie(), "deny", ALICE);
      Map<String, String> q = authorizeParams(client, Pkce.create(), "st-iss");
      q.put("code_challenge_method", "plain");
      HttpResponse<String> downgraded = as.authorize(q, Map.of("X-Forwarded-User", ALICE));

      assertThat(redirectQuery(denied)).as(denied.headers().firstValue("Location").orElse("")).containsEntry("iss", as.base());
      assertThat(redirectQuery(downgraded)).as(downgraded.headers().firstValue("Location").orElse("")).containsEntry("iss", as.base());
    }

    @Test
    void denyingRedirectsBackWithAccessDeniedAndTheState() throws Exception {
      Consent consent = shown();

      HttpResponse<String> denied = as.answerConsent(consent.request(), consent.csrf(), consent.cookie(), "deny", ALICE);

      assertRedirectedError(denied, APP, "access_denied", "the user denied access", "st-consent");
    }
  }

  // ---------------------------------------------------------------- who the human is

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class Human {
    @Test
    void aRequestFromAnUntrustedPeerIsForbiddenOnAPage() throws Exception {
      Client client = untrustedAs.registerPublic(APP);

      HttpResponse<String> response = untrustedAs.authorize(authorizeParams(client, Pkce.create(), "st"), Map.of("X-Forwarded-User", ALICE));

      assertErrorPage(response, 403, "The request did not come from a trusted proxy: X-Forwarded-User from untrusted peer 127.0.0.1");
      assertThat(response.body()).contains("auth.oauthServer.trustedProxy.trustedCidrs");
    }

    @Test
    void aRequestWithoutTheUserHeaderIsUnauthorizedOnAPage() throws Exception {
      Client client = as.registerPublic(APP);

      HttpResponse<String> response = as.authorize(authorizeParams(client, Pkce.create(), "st"), Map.of());

      assertErrorPage(response, 401, "No signed-in user: the trusted proxy must name the user in the X-Forwarded-User header");
    }
  }

  // ---------------------------------------------------------------- tokens at /mcp

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class AccessTokens {
    Client client;

    @BeforeAll
    void register() throws Exception {
      client = as.registerPublic(APP);
    }

    @Test
    void anIssuedTokenIsAcceptedAsOAuthAsAndNeverReachesTheBackend() throws Exception {
      Tokens tokens = as.authorizeAndExchange(client, ALICE);
      JsonObject claims = payloadOf(tokens.access());
      assertThat(headerOf(tokens.access())).contains("\"kid\":\"k1\"", "\"alg\":\"HS256\"");
      assertThat(claims.getString("aud")).isEqualTo(as.mcpUrl());
      assertThat(claims.getString("iss")).isEqualTo(as.base());
      assertThat(claims.getJsonArray("roles").getList()).containsExactly("editor");

      io.portcullis.testing.McpHttp mcp = new io.portcullis.testing.McpHttp(as.mcpUrl());
      HttpResponse<String> init = mcp.post(io.portcullis.testing.McpHttp.initializeBody(1))
          .header("Authorization", "Bearer " + tokens.access()).send();
      assertThat(init.statusCode()).as(init.body()).isEqualTo(200);
      String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
      mcp.post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}").session(session)
          .header("Authorization", "Bearer " + tokens.access()).send();
      HttpResponse<String> call = mcp.post("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"lookup\","
          + "\"arguments\":{\"text\":\"oauth-as-call\"}}}").session(session).header("Authorization", "Bearer " + tokens.access()).send();
      assertThat(call.body()).contains("oauth-as-call");

      assertThat(backend.received()).as("the call reached the backend")
          .anySatisfy(r -> assertThat(r.body() == null ? "" : r.body().encode()).contains("oauth-as-call"));
      assertThat(backend.received()).as("the backend never sees the access token").allSatisfy(r -> {
        r.headers().forEach(h -> assertThat(h.getValue()).doesNotContain(tokens.access()));
        assertThat(r.body() == null ? "" : r.body().encode()).doesNotContain(tokens.access());
      });
      List<JsonNode> mine = auditRecords().stream()
          .filter(r -> client.id().equals(r.at("/principal/clientId").asText(null))).toList();
      assertThat(mine).extracting(r -> r.get("method").asText()).contains("initialize", "tools/call");
      assertThat(mine).allSatisfy(r -> {
        assertThat(r.at("/principal/provider").asText()).isEqualTo("oauth-as");
        assertThat(r.at("/principal/subject").asText()).isEqualTo(ALICE);
        assertThat(r.at("/principal/roles/0").asText()).isEqualTo("editor");
      });
    }

    @Test
    void aTokenWithATamperedPayloadIsRefused() throws Exception {
      Tokens tokens = as.authorizeAndExchange(client, ALICE);
      String[] parts = tokens.access().split("\\.");
      JsonObject claims = payloadOf(tokens.access()).put("sub", "admin@example.com").put("roles", new io.vertx.core.json.JsonArray().add("admin"));
      String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8))
          + "." + parts[2];

      assertRefusedAtMcp(as.initialize(forged));
    }

    @Test
    void aTokenWithAlgNoneOrNoSignatureIsRefused() throws Exception {
      Tokens tokens = as.authorizeAndExchange(client, ALICE);
      String[] parts = tokens.access().split("\\.");
      String none = Base64.getUrlEncoder().withoutPadding().encodeToString(
          "{\"alg\":\"none\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}".getBytes(StandardCharsets.UTF_8));

      assertRefusedAtMcp(as.initialize(none + "." + parts[1] + "."));
      assertRefusedAtMcp(as.initialize(parts[0] + "." + parts[1] + "."));
    }

    @Test
    void aTokenOfAnotherGatewaySharingTheKeyIsRefused() throws Exception {
      // The short-lived gateway signs with the same k1 but is another issuer, for another /mcp URL.
      Tokens tokens = as.authorizeAndExchange(client, ALICE);

      assertRefusedAtMcp(shortAs.initialize(tokens.access()));
    }

    @Test
    void anExpiredTokenIsRefused() throws Exception {
      Client shortClient = shortAs.registerPublic(APP);
      Tokens tokens = shortAs.authorizeAndExchange(shortClient, ALICE);

      Thread.sleep(2_100); // accessTokenLifetime is 1s; exp is in whole seconds

      assertRefusedAtMcp(shortAs.initialize(tokens.access()));
    }

    @Test
    void aRevokedAccessTokenIsRefused() throws Exception {
      Tokens tokens = as.authorizeAndExchange(client, ALICE);
      assertThat(as.initialize(tokens.access()).statusCode()).isEqualTo(200);

      assertThat(as.revoke(client, tokens.access()).statusCode()).isEqualTo(200);

      assertRefusedAtMcp(as.initialize(tokens.access()));
    }

    @Test
    void aRevokedRefreshTokenIsInvalidGrant() throws Exception {
      Tokens tokens = as.authorizeAndExchange(client, ALICE);

      assertThat(as.revoke(client, tokens.refresh()).statusCode()).isEqualTo(200);

      assertOAuthError(as.token(refreshForm(client, tokens.refresh())), 400, "invalid_grant", "the refresh token was revoked");
    }
  }

  List<JsonNode> auditRecords() throws Exception {
    try (Stream<Path> files = Files.list(audit)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().flatMap(p -> {
        try {
          return Files.readAllLines(p).stream();
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).map(line -> {
        try {
          return OAuthBrowser.JSON.readTree(line);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }).toList();
    }
  }

  // ---------------------------------------------------------------- restarts and keys

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class Restarts {
    @Test
    void clientsAndRefreshTokensSurviveARestartAndIssuedTokensStayValid() throws Exception {
      int port = freePort();
      Path state = temp.resolve("restart-state.json");
      Client client;
      Tokens tokens;
      OAuthBrowser browser = new OAuthBrowser("http://127.0.0.1:" + port);
      try (RunningGateway first = RunningGateway.start(config(port, state, K1, "[\"127.0.0.1/32\"]", temp.resolve("audit-r1")))) {
        client = browser.registerPublic(APP);
        tokens = browser.authorizeAndExchange(client, ALICE);
      }
      String persisted = Files.readString(state);
      assertThat(persisted).contains(client.id()).doesNotContain(tokens.refresh());

      try (RunningGateway second = RunningGateway.start(config(port, state, K1, "[\"127.0.0.1/32\"]", temp.resolve("audit-r2")))) {
        assertThat(browser.initialize(tokens.access()).statusCode()).as("the access token from before the restart").isEqualTo(200);
        Tokens refreshed = tokens(browser.token(refreshForm(client, tokens.refresh())));
        assertThat(browser.initialize(refreshed.access()).statusCode()).isEqualTo(200);
        assertThat(browser.consentPage(authorizeParams(client, Pkce.create(), "st"), ALICE).page().statusCode())
            .as("the client is still registered").isEqualTo(200);
      }
    }

    @Test
    void aRevocationThatCannotBeStoredIsAnsweredWith503NotWith200() throws Exception {
      int port = freePort();
      Path state = temp.resolve("unwritable-state.json");
      OAuthBrowser browser = new OAuthBrowser("http://127.0.0.1:" + port);
      try (RunningGateway gateway = RunningGateway.start(config(port, state, K1, "[\"127.0.0.1/32\"]", temp.resolve("audit-uw")))) {
        Client client = browser.registerPublic(APP);
        Tokens tokens = browser.authorizeAndExchange(client, ALICE);
        makeUnwritable(state);

        HttpResponse<String> revoked = browser.revoke(client, tokens.refresh());

        assertOAuthError(revoked, 503, "temporarily_unavailable", "the revocation could not be stored; try again");
      }
    }

    /** The state file's place taken by a non-empty directory: the store's rename onto it fails. */
    void makeUnwritable(Path state) throws Exception {
      Files.delete(state);
      Files.createDirectories(state.resolve("in-the-way"));
    }

    void makeWritable(Path state) throws Exception {
      Files.delete(state.resolve("in-the-way"));
      Files.delete(state);
    }

    @Test
    void aCodeWhoseTokensCannotBeStoredIsAnswered503AndIsNotSpent() throws Exception {
      onOwnGateway("unwritable-code", (browser, client, state) -> {
        Pkce pkce = Pkce.create();
        String code = browser.approvedCode(authorizeParams(client, pkce, "st"), ALICE);
        makeUnwritable(state);

        assertOAuthError(browser.token(codeForm(client, code, pkce)), 503, "temporarily_unavailable",
            "the authorization server could not store the grant; try again");
        makeWritable(state);

        Tokens retried = tokens(browser.token(codeForm(client, code, pkce)));
        assertThat(browser.initialize(retried.access()).statusCode()).as("the retry's tokens are not revoked").isEqualTo(200);
        assertThat(browser.token(refreshForm(client, retried.refresh())).statusCode()).isEqualTo(200);
      });
    }

    @ParameterizedTest(name = "retried after {0} ms")
    @org.junit.jupiter.params.provider.ValueSource(longs = {0, 900})
    void aRotationThatCannotBeStoredIsAnswered503AndTheRefreshTokenIsNotSpent(long retryAfterMillis) throws Exception {
      onOwnGateway("unwritable-refresh-" + retryAfterMillis, (browser, client, state) -> {
        Tokens tokens = browser.authorizeAndExchange(client, ALICE);
        makeUnwritable(state);

        assertOAuthError(browser.token(refreshForm(client, tokens.refresh())), 503, "temporarily_unavailable",
            "the authorization server could not store the grant; try again");
        makeWritable(state);
        Thread.sleep(retryAfterMillis); // within, then after refreshReuseGrace (500ms)

        Tokens rotated = tokens(browser.token(refreshForm(client, tokens.refresh())));
        assertThat(browser.initialize(tokens.access()).statusCode()).as("the family is not revoked").isEqualTo(200);
        assertThat(browser.token(refreshForm(client, rotated.refresh())).statusCode()).isEqualTo(200);
      }, "refreshReuseGrace: 500ms");
    }

    @Test
    void aRevokedAccessTokenStaysRevokedAfterARestart() throws Exception {
      int port = freePort();
      Path state = temp.resolve("revoke-restart-state.json");
      OAuthBrowser browser = new OAuthBrowser("http://127.0.0.1:" + port);
      Tokens tokens;
      try (RunningGateway first = RunningGateway.start(config(port, state, K1, "[\"127.0.0.1/32\"]", temp.resolve("audit-rr1")))) {
        Client client = browser.registerPublic(APP);
        tokens = browser.authorizeAndExchange(client, ALICE);
        assertThat(browser.revoke(client, tokens.access()).statusCode()).isEqualTo(200);
        assertRefusedAtMcp(browser.initialize(tokens.access()));
      }
      try (RunningGateway second = RunningGateway.start(config(port, state, K1, "[\"127.0.0.1/32\"]", temp.resolve("audit-rr2")))) {
        assertRefusedAtMcp(browser.initialize(tokens.access()));
      }
    }

    @Test
    void aRotatedKeyLogsNobodyOutAndARetiredOneDoes() throws Exception {
      int port = freePort();
      Path state = temp.resolve("rotation-state.json");
      String k2k1 = "[{kid: k2, secret: \"" + KEY2 + "\"}, {kid: k1, secret: \"" + KEY1 + "\"}]";
      String k2 = "[{kid: k2, secret: \"" + KEY2 + "\"}]";
      OAuthBrowser browser = new OAuthBrowser("http://127.0.0.1:" + port);
      Client client;
      Tokens signedWithK1;
      try (RunningGateway first = RunningGateway.start(config(port, state, K1, "[\"127.0.0.1/32\"]", temp.resolve("audit-k1")))) {
        client = browser.registerPublic(APP);
        signedWithK1 = browser.authorizeAndExchange(client, ALICE);
      }
      assertThat(headerOf(signedWithK1.access())).contains("\"kid\":\"k1\"");

      Tokens signedWithK2;
      try (RunningGateway second = RunningGateway.start(config(port, state, k2k1, "[\"127.0.0.1/32\"]", temp.resolve("audit-k2k1")))) {
        assertThat(browser.initialize(signedWithK1.access()).statusCode()).as("a k1 token while k1 still verifies").isEqualTo(200);
        signedWithK2 = tokens(browser.token(refreshForm(client, signedWithK1.refresh())));
        assertThat(headerOf(signedWithK2.access())).contains("\"kid\":\"k2\"");
        assertThat(browser.initialize(signedWithK2.access()).statusCode()).isEqualTo(200);
      }

      try (RunningGateway third = RunningGateway.start(config(port, state, k2, "[\"127.0.0.1/32\"]", temp.resolve("audit-k2")))) {
        assertRefusedAtMcp(browser.initialize(signedWithK1.access()));
        assertThat(browser.initialize(signedWithK2.access()).statusCode()).isEqualTo(200);
      }
    }
  }

  // ---------------------------------------------------------------- boot

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class Boot {
    @Test
    void aStateFileThatIsNotJsonStopsTheGatewayNamingTheFile() throws Exception {
      Path state = temp.resolve("corrupt-state.json");
      Files.writeString(state, "this is not { json");

      assertThatThrownBy(() -> RunningGateway.start(config(0, state, K1, "[\"127.0.0.1/32\"]", temp.resolve("audit-corrupt"))))
          .hasMessageContaining("the OAuth state in " + state + " is not readable");
      assertThat(Files.readString(state)).as("left as it was").isEqualTo("this is not { json");
    }

    @Test
    void aMissingStateFileStartsEmptyAndIsCreated() throws Exception {
      Path state = temp.resolve("missing/dir/state.json");
      try (RunningGateway fresh = RunningGateway.start(config(0, state, K1, "[\"127.0.0.1/32\"]", temp.resolve("audit-missing")))) {
        Client client = new OAuthBrowser("http://127.0.0.1:" + fresh.port()).registerPublic(APP);
        assertThat(Files.readString(state)).contains(client.id());
      }
    }

    List<String> problemsOf(String yaml) {
      try {
        new ConfigLoader(Map.<String, String>of()::get).load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "test.yaml");
      } catch (ConfigException e) {
        return e.problems();
      }
      throw new AssertionError("expected the configuration to be refused:\n" + yaml);
    }

    String oauthServer(String signingKeys, String redirectUris, String trustedCidrs) {
      return """
          auth:
            oauthServer:
              enabled: true
              signingKeys: %s
              redirectUris: %s
              trustedProxy: {trustedCidrs: %s}
            providers:
              - oauth-as: {}
          backends:
            - name: upstream
              http: {url: http://127.0.0.1:9000/mcp}
          """.formatted(signingKeys, redirectUris, trustedCidrs);
    }

    @Test
    void aSigningKeyShorterThan32BytesIsAConfigProblem() {
      assertThat(problemsOf(oauthServer("[{kid: k1, secret: \"only-31-bytes-long-secret-12345\"}]", "[\"https://app.example.com/*\"]",
          "[\"127.0.0.1/32\"]"))).containsExactly("auth.oauthServer.signingKeys[0].secret: too short: a signing key needs at least 32 bytes");
    }

    @Test
    void anEmptyTrustedCidrListIsAConfigProblem() {
      assertThat(problemsOf(oauthServer(K1, "[\"https://app.example.com/*\"]", "[]")))
          .containsExactly("auth.oauthServer.trustedProxy.trustedCidrs: required and not empty: headers are believed only from these peers");
    }

    @Test
    void noRoomForClientsIsAConfigProblem() {
      String yaml = oauthServer(K1, "[\"https://app.example.com/*\"]", "[\"127.0.0.1/32\"]")
          .replace("enabled: true\n", "enabled: true\n    maxClients: 0\n    unusedClientLifetime: 0s\n");

      assertThat(problemsOf(yaml)).containsExactlyInAnyOrder(
          "auth.oauthServer.maxClients: must be at least 1 (the most registered clients kept), e.g. 5000",
          "auth.oauthServer.unusedClientLifetime: must be positive");
    }

    @Test
    void noRoomForWaitingSignInsIsAConfigProblem() {
      String yaml = oauthServer(K1, "[\"https://app.example.com/*\"]", "[\"127.0.0.1/32\"]").replace("trustedProxy: {trustedCidrs: [\"127.0.0.1/32\"]}",
          "upstream: {issuer: \"https://login.example.com\", clientId: portcullis, clientSecret: s3cret, maxWaitingSignIns: 0}");

      assertThat(problemsOf(yaml)).containsExactly(
          "auth.oauthServer.upstream.maxWaitingSignIns: must be at least 1 (the most sign-ins waiting for the provider), e.g. 10000");
    }

    @Test
    void noRedirectUrisIsAConfigProblem() {
      assertThat(problemsOf(oauthServer(K1, "[]", "[\"127.0.0.1/32\"]")))
          .singleElement().asString().startsWith("auth.oauthServer.redirectUris: list the redirect URIs clients may register");
    }
  }

  // ---------------------------------------------------------------- discovery

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class Metadata {
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"/.well-known/oauth-authorization-server",
        "/.well-known/oauth-authorization-server/mcp", "/.well-known/openid-configuration", "/.well-known/openid-configuration/mcp",
        "/mcp/.well-known/openid-configuration"})
    void everyProbedPathAnswersTheServersMetadata(String path) throws Exception {
      HttpResponse<String> response = as.get(path);

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
      JsonNode doc = json(response);
      assertThat(doc.get("issuer").asText()).isEqualTo(as.base());
      assertThat(doc.get("code_challenge_methods_supported").toString()).isEqualTo("[\"S256\"]");
      assertThat(doc.get("authorization_endpoint").asText()).isEqualTo(as.base() + "/authorize");
      assertThat(doc.get("token_endpoint").asText()).isEqualTo(as.base() + "/token");
      assertThat(doc.get("registration_endpoint").asText()).isEqualTo(as.base() + "/register");
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp"})
    void theProtectedResourceMetadataNamesThisServer(String path) throws Exception {
      HttpResponse<String> response = as.get(path);

      assertThat(response.statusCode()).isEqualTo(200);
      JsonNode doc = json(response);
      assertThat(doc.get("resource").asText()).isEqualTo(as.mcpUrl());
      assertThat(doc.get("authorization_servers").toString()).isEqualTo("[\"" + as.base() + "\"]");
    }

    @Test
    void discoveryErrorsAreJsonToo() throws Exception {
      HttpResponse<String> unknown = as.get("/.well-known/oauth-authorization-server/elsewhere");
      HttpResponse<String> post = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(as.base()
          + "/.well-known/oauth-authorization-server")).timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString("{}"))
          .build(), HttpResponse.BodyHandlers.ofString());

      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(unknown.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
      assertThat(post.statusCode()).as(post.body()).isBetween(400, 499);
      assertThat(post.headers().firstValue("Content-Type").orElse("")).as(post.statusCode() + " " + post.body())
          .startsWith("application/json");
    }

    @Test
    void theUnauthenticated401PointsAtTheMetadata() throws Exception {
      HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(as.mcpUrl()))
          .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
          .timeout(Duration.ofSeconds(10))
          .POST(HttpRequest.BodyPublishers.ofString(io.portcullis.testing.McpHttp.initializeBody(1))).build(),
          HttpResponse.BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().firstValue("WWW-Authenticate").orElse(""))
          .contains("resource_metadata=\"" + as.base() + "/.well-known/oauth-protected-resource/mcp\"");
    }
  }
}
