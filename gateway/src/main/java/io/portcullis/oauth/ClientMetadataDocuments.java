package io.portcullis.oauth;

import io.portcullis.auth.fetch.GuardedFetcher;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Clients identified by a client ID metadata document: the client_id is an https URL whose JSON
 * document names the client and its redirect URIs, so the client needs no registration. Documents
 * are fetched (SSRF-guarded) only from hosts the operator allows, must name themselves as their
 * client_id, may register only redirect URIs the operator's patterns allow, and are public clients
 * (PKCE, no secret). A fetched document is kept for five minutes.
 */
final class ClientMetadataDocuments {
  private static final long KEEP_MILLIS = 5 * 60_000;
  private static final int MAX_KEPT = 1_000;

  private record Kept(OAuthState.Client client, long until) {
  }

  private final List<String> allowedHosts;
  private final GuardedFetcher fetcher;
  private final RedirectUris redirectUris;
  private final Map<String, Kept> kept = new ConcurrentHashMap<>();

  ClientMetadataDocuments(List<String> allowedHosts, GuardedFetcher fetcher, RedirectUris redirectUris) {
    this.allowedHosts = allowedHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
    this.fetcher = fetcher;
    this.redirectUris = redirectUris;
  }

  boolean enabled() {
    return !allowedHosts.isEmpty();
  }

  /** The client of a document fetched recently, by its URL. */
  Optional<OAuthState.Client> find(String clientId) {
    Kept k = clientId == null ? null : kept.get(clientId);
    return k == null || k.until() < System.currentTimeMillis() ? Optional.empty() : Optional.of(k.client());
  }

  /**
   * A route handler that, when the request's client_id ({@code idOf}) is a document URL, fetches
   * the document before the endpoint runs; a document that cannot be used ends the request with
   * {@code refuse}'s answer. Other client ids pass straight on.
   */
  io.vertx.core.Handler<RoutingContext> prefetch(Function<RoutingContext, String> idOf, java.util.function.BiConsumer<RoutingContext, String> refuse) {
    return ctx -> {
      String id = idOf.apply(ctx);
      if (id == null || !id.startsWith("https://") || find(id).isPresent()) {
        ctx.next();
        return;
      }
      URI url;
      try {
        url = new URI(id);
      } catch (Exception e) {
        refuse.accept(ctx, "the client_id '" + id + "' is not a URL");
        return;
      }
      if (url.getHost() == null || !allowedHosts.contains(url.getHost().toLowerCase(Locale.ROOT))) {
        refuse.accept(ctx, "client metadata documents are not accepted from " + url.getHost()
            + " (auth.oauthServer.clientMetadataHosts)");
        return;
      }
      if (url.getRawPath() == null || url.getRawPath().length() < 2 || url.getRawFragment() != null) {
        refuse.accept(ctx, "the client_id URL '" + id + "' needs a path and no fragment");
        return;
      }
      fetcher.getJson(id).onComplete(r -> {
        String problem = r.failed() ? "its client metadata document could not be fetched: " + r.cause().getMessage() : check(id, r.result());
        if (problem != null) {
          refuse.accept(ctx, problem);
          return;
        }
        JsonObject doc = r.result();
        List<String> redirects = doc.getJsonArray("redirect_uris").stream().map(String.class::cast).toList();
        OAuthState.Client client = new OAuthState.Client(id, null, "none",
            doc.getValue("client_name") instanceof String n ? n : null, redirects, System.currentTimeMillis() / 1000, false);
        if (kept.size() >= MAX_KEPT) {
          kept.values().removeIf(k -> k.until() < System.currentTimeMillis());
        }
        kept.put(id, new Kept(client, System.currentTimeMillis() + KEEP_MILLIS));
        ctx.next();
      });
    };
  }

  /** Why a document cannot be used for client {@code id}, or null. */
  private String check(String id, JsonObject doc) {
    if (!id.equals(doc.getValue("client_id"))) {
      return "its client metadata document names another client_id";
    }
    if (!(doc.getValue("redirect_uris") instanceof JsonArray uris) || uris.isEmpty() || uris.stream().anyMatch(u -> !(u instanceof String))) {
      return "its client metadata document has no redirect_uris";
    }
    for (Object uri : uris) {
      String refusal = redirectUris.refusal((String) uri);
      if (refusal != null) {
        return "its client metadata document lists a redirect URI that is not allowed: " + refusal;
      }
    }
    Object method = doc.getValue("token_endpoint_auth_method");
    if (method != null && !"none".equals(method)) {
      return "its client metadata document asks for token_endpoint_auth_method " + method + "; only none (PKCE) is supported";
    }
    return null;
  }
}
