package io.portcullis.oauth;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** How the authorization server answers: OAuth error JSON, never-cached token JSON, and plain HTML pages that cannot be framed. */
final class OAuthResponses {
  private static final Logger LOG = LoggerFactory.getLogger(OAuthResponses.class);

  private OAuthResponses() {
  }

  /** An OAuth error (RFC 6749 §5.2); {@code description} is what an operator or developer can act on. */
  static void error(RoutingContext ctx, int status, String error, String description) {
    LOG.info("oauth {} {}: {} ({})", ctx.request().method(), ctx.request().path(), error, description);
    noStore(ctx.response()).setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", error).put("error_description", description).encode());
  }

  static void json(RoutingContext ctx, int status, JsonObject body) {
    noStore(ctx.response()).setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }

  /** An HTML page (consent, or an error that must not be redirected to an unverified URI). */
  static void page(RoutingContext ctx, int status, String title, String bodyHtml) {
    HttpServerResponse response = noStore(ctx.response());
    response.putHeader("X-Frame-Options", "DENY")
        .putHeader("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Content-Type", "text/html; charset=utf-8")
        .setStatusCode(status)
        .end("<!doctype html><html><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title>"
            + "<style>body{font-family:sans-serif;max-width:36em;margin:3em auto;line-height:1.5}</style></head><body><h1>"
            + escape(title) + "</h1>" + bodyHtml + "</body></html>");
  }

  /** An error the user sees instead of a redirect (the client or its redirect URI is not verified). */
  static void errorPage(RoutingContext ctx, int status, String what) {
    LOG.info("oauth {} {}: refused on a page: {}", ctx.request().method(), ctx.request().path(), what);
    page(ctx, status, "Authorization refused", "<p>" + escape(what) + "</p>");
  }

  static HttpServerResponse noStore(HttpServerResponse response) {
    return response.putHeader("Cache-Control", "no-store").putHeader("Pragma", "no-cache");
  }

  static String escape(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
