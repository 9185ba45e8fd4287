package io.portcullis.oauth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plays both sides of the built-in authorization server for tests: the OAuth client (registration,
 * PKCE S256 computed here, the token endpoint, revocation, bearer calls to /mcp) and the browser
 * behind the trusted proxy (GET /authorize with X-Forwarded-User, the consent form's hidden fields
 * and CSRF cookie, the POST to /authorize/consent). Redirects are never followed: a test looks at
 * each 302 itself.
 */
final class OAuthBrowser {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
  private static final Pattern HIDDEN = Pattern.compile("name=\"(request|csrf)\" value=\"([^\"]+)\"");

  /** A registered client: its id, its secret (null for a public client) and its first redirect URI. */
  record Client(String id, String secret, String redirectUri) {
  }

  /** A PKCE pair. */
  record Pkce(String verifier, String challenge) {
    static Pkce create() {
      byte[] bytes = new byte[48];
      RANDOM.nextBytes(bytes);
      String verifier = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
      return new Pkce(verifier, challengeOf(verifier));
    }

    static String challengeOf(String verifier) {
      try {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(
            MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** The consent page as the browser got it: the response, its hidden fields and the CSRF cookie ("name=value"). */
  record Consent(HttpResponse<String> page, String request, String csrf, String cookie) {
  }

  /** Tokens from a successful /token answer. */
  record Tokens(String access, String refresh, JsonNode body) {
  }

  private final String base;

  OAuthBrowser(String base) {
    this.base = base;
  }

  String base() {
    return base;
  }

  String mcpUrl() {
    return base + "/mcp";
  }

  // ---- the client ----

  HttpResponse<String> register(JsonObject metadata) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(base + "/register")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(metadata.encode())));
  }

  Client registerPublic(String... redirectUris) throws Exception {
    return registered(register(new JsonObject().put("client_name", "attack-test").put("token_endpoint_auth_method", "none")
        .put("redirect_uris", new JsonArray(List.of(redirectUris)))));
  }

  Client registerConfidential(String method, String... redirectUris) throws Exception {
    return registered(register(new JsonObject().put("client_name", "attack-test-confidential").put("token_endpoint_auth_method", method)
        .put("redirect_uris", new JsonArray(List.of(redirectUris)))));
  }

  private static Client registered(HttpResponse<String> response) throws Exception {
    if (response.statusCode() != 201) {
      throw new AssertionError("registration answered " + response.statusCode() + ": " + response.body());
    }
    JsonNode body = JSON.readTree(response.body());
    return new Client(body.get("client_id").asText(), body.hasNonNull("client_secret") ? body.get("client_secret").asText() : null,
        body.get("redirect_uris").get(0).asText());
  }

  /** The /authorize query a well-behaved client sends; tests change or remove (null) what they test. */
  static Map<String, String> authorizeParams(Client client, Pkce pkce, String state) {
    Map<String, String> q = new LinkedHashMap<>();
    q.put("response_type", "code");
    q.put("client_id", client.id());
    q.put("redirect_uri", client.redirectUri());
    q.put("code_challenge", pkce.challenge());
    q.put("code_challenge_method", "S256");
    q.put("state", state);
    q.put("scope", "mcp");
    return q;
  }

  HttpResponse<String> token(Map<String, String> form, String basicId, String basicSecret) throws Exception {
    return send(tokenRequest(form, basicId, basicSecret));
  }

  HttpResponse<String> token(Map<String, String> form) throws Exception {
    return token(form, null, null);
  }

  CompletableFuture<HttpResponse<String>> tokenAsync(Map<String, String> form) {
    return HTTP.sendAsync(tokenRequest(form, null, null).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest.Builder tokenRequest(Map<String, String> form, String basicId, String basicSecret) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/token"))
        .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(formBody(form)));
    if (basicId != null) {
      b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
          (enc(basicId) + ":" + enc(basicSecret)).getBytes(StandardCharsets.UTF_8)));
    }
    return b;
  }

  static Map<String, String> codeForm(Client client, String code, Pkce pkce) {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("grant_type", "authorization_code");
    form.put("code", code);
    form.put("redirect_uri", client.redirectUri());
    form.put("code_verifier", pkce.verifier());
    form.put("client_id", client.id());
    return form;
  }

  static Map<String, String> refreshForm(Client client, String refreshToken) {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("grant_type", "refresh_token");
    form.put("refresh_token", refreshToken);
    form.put("client_id", client.id());
    return form;
  }

  HttpResponse<String> revoke(Client client, String token) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(base + "/revoke")).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(formBody(Map.of("token", token, "client_id", client.id())))));
  }

  /** The whole flow for a public client: consent approved by {@code user}, the code exchanged. */
  Tokens authorizeAndExchange(Client client, String user) throws Exception {
    Pkce pkce = Pkce.create();
    String code = approvedCode(authorizeParams(client, pkce, "s-" + RANDOM.nextInt(1_000_000)), user);
    return tokens(token(codeForm(client, code, pkce)));
  }

  /** The whole flow for a confidential client, which authenticates with client_secret_basic. */
  Tokens authorizeAndExchangeConfidential(Client client, String user) throws Exception {
    Pkce pkce = Pkce.create();
    String code = approvedCode(authorizeParams(client, pkce, "s-" + RANDOM.nextInt(1_000_000)), user);
    Map<String, String> form = codeForm(client, code, pkce);
    form.remove("client_id");
    return tokens(token(form, client.id(), client.secret()));
  }

  static Tokens tokens(HttpResponse<String> response) throws Exception {
    if (response.statusCode() != 200) {
      throw new AssertionError("/token answered " + response.statusCode() + ": " + response.body());
    }
    JsonNode body = JSON.readTree(response.body());
    return new Tokens(body.get("access_token").asText(), body.get("refresh_token").asText(), body);
  }

  /** An initialize at /mcp with this bearer token. */
  HttpResponse<String> initialize(String accessToken) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(mcpUrl())).header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream").header("MCP-Protocol-Version", "2025-11-25")
        .header("Authorization", "Bearer " + accessToken)
        .POST(HttpRequest.BodyPublishers.ofString("""
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},
             "clientInfo":{"name":"attack-test","version":"1"}}}""")));
  }

  // ---- the browser ----

  HttpResponse<String> authorize(Map<String, String> query, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/authorize?" + formBody(query))).GET();
    headers.forEach(b::header);
    return send(b);
  }

  /** GET /authorize as {@code user} behind the trusted proxy; the consent page it answered, parsed. */
  Consent consentPage(Map<String, String> query, String user) throws Exception {
    HttpResponse<String> page = authorize(query, Map.of("X-Forwarded-User", user));
    if (page.statusCode() != 200) {
      throw new AssertionError("/authorize answered " + page.statusCode() + ": " + page.body());
    }
    Map<String, String> fields = new LinkedHashMap<>();
    Matcher m = HIDDEN.matcher(page.body());
    while (m.find()) {
      fields.put(m.group(1), m.group(2));
    }
    String cookie = page.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith(AuthorizeEndpoint.CSRF_COOKIE + "="))
        .map(c -> c.split(";", 2)[0]).findFirst().orElse(null);
    return new Consent(page, fields.get("request"), fields.get("csrf"), cookie);
  }

  /** POST /authorize/consent; null arguments are left out (a null user: no X-Forwarded-User). */
  HttpResponse<String> answerConsent(String request, String csrf, String cookie, String decision, String user) throws Exception {
    Map<String, String> form = new LinkedHashMap<>();
    if (request != null) {
      form.put("request", request);
    }
    if (csrf != null) {
      form.put("csrf", csrf);
    }
    form.put("decision", decision);
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/authorize/consent"))
        .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(formBody(form)));
    if (cookie != null) {
      b.header("Cookie", cookie);
    }
    if (user != null) {
      b.header("X-Forwarded-User", user);
    }
    return send(b);
  }

  /** Consent shown to and approved by {@code user}; the code from the 302. */
  String approvedCode(Map<String, String> query, String user) throws Exception {
    Consent consent = consentPage(query, user);
    HttpResponse<String> answer = answerConsent(consent.request(), consent.csrf(), consent.cookie(), "approve", user);
    if (answer.statusCode() != 302) {
      throw new AssertionError("consent answered " + answer.statusCode() + ": " + answer.body());
    }
    String code = redirectQuery(answer).get("code");
    if (code == null) {
      throw new AssertionError("no code in " + answer.headers().firstValue("Location").orElse("(no Location)"));
    }
    return code;
  }

  /** The Location of a 302, without its query. */
  static String redirectTarget(HttpResponse<String> response) {
    String location = response.headers().firstValue("Location").orElseThrow(() -> new AssertionError("no Location header"));
    int q = location.indexOf('?');
    return q < 0 ? location : location.substring(0, q);
  }

  /** The query parameters of a 302's Location, decoded. */
  static Map<String, String> redirectQuery(HttpResponse<String> response) {
    String location = response.headers().firstValue("Location").orElseThrow(() -> new AssertionError("no Location header"));
    Map<String, String> out = new LinkedHashMap<>();
    int q = location.indexOf('?');
    if (q < 0) {
      return out;
    }
    for (String pair : location.substring(q + 1).split("&")) {
      int eq = pair.indexOf('=');
      out.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
          eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return out;
  }

  HttpResponse<String> get(String path) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  static JsonNode json(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }

  private static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return HTTP.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static String formBody(Map<String, String> form) {
    StringBuilder out = new StringBuilder();
    form.forEach((k, v) -> {
      if (v == null) {
        return;
      }
      if (out.length() > 0) {
        out.append('&');
      }
      out.append(enc(k)).append('=').append(enc(v));
    });
    return out.toString();
  }

  private static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
