package io.portcullis.auth.fetch;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Fetches JSON documents for the auth providers (discovery, JWKS, introspection) through the
 * {@link TargetGuard}. Each request connects to the address the guard vetted, while the Host
 * header, TLS server name and certificate check use the URL's host name. A GET follows at
 * most {@value #MAX_REDIRECTS} redirects, each hop checked by the guard again; a POST never
 * follows one (it would resend credentials elsewhere). The whole exchange, resolution included,
 * is bounded by the timeout, and an answer is read up to 1 MiB.
 */
public final class GuardedFetcher {
  static final int MAX_REDIRECTS = 3;
  static final int MAX_BODY_BYTES = 1 << 20;

  private final TargetGuard guard;
  private final long timeoutMillis;
  private final HttpClientAgent client;

  public GuardedFetcher(Vertx vertx, TargetGuard guard, Duration timeout) {
    this(vertx, guard, timeout, 4);
  }

  /** With up to {@code maxConnections} requests under way at once; more wait for a connection. */
  public GuardedFetcher(Vertx vertx, TargetGuard guard, Duration timeout, int maxConnections) {
    this(vertx, guard, timeout, new HttpClientOptions(), maxConnections);
  }

  /** With {@code options} as the client's base (tests add a trust store); TLS always verifies the host name. */
  GuardedFetcher(Vertx vertx, TargetGuard guard, Duration timeout, HttpClientOptions options) {
    this(vertx, guard, timeout, options, 4);
  }

  private GuardedFetcher(Vertx vertx, TargetGuard guard, Duration timeout, HttpClientOptions options, int maxConnections) {
    this.guard = guard;
    this.timeoutMillis = timeout.toMillis();
    this.client = vertx.createHttpClient(new HttpClientOptions(options).setVerifyHost(true),
        new PoolOptions().setHttp1MaxSize(maxConnections));
  }

  /**
   * GETs {@code url}. Completes with the JSON object answered with a 2xx status; fails with a
   * {@link FetchException} naming the URL and the reason otherwise.
   */
  public Future<JsonObject> getJson(String url) {
    return withDeadline(url, exchange(HttpMethod.GET, url, null, null, MAX_REDIRECTS));
  }

  /**
   * POSTs {@code form} as {@code application/x-www-form-urlencoded}, with {@code authorization}
   * as the Authorization header when it is not null. Completes and fails as {@link #getJson}.
   */
  public Future<JsonObject> postForm(String url, Map<String, String> form, String authorization) {
    String body = form.entrySet().stream()
        .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
        .collect(Collectors.joining("&"));
    return withDeadline(url, exchange(HttpMethod.POST, url, Buffer.buffer(body), authorization, 0));
  }

  /** Releases the connections. */
  public Future<Void> close() {
    return client.close();
  }

  private Future<JsonObject> withDeadline(String url, Future<JsonObject> exchange) {
    return exchange.timeout(timeoutMillis, TimeUnit.MILLISECONDS).recover(e -> Future.failedFuture(
        e instanceof TimeoutException ? new FetchException("no answer from " + url + " within " + timeoutMillis + " ms")
            : e instanceof FetchException ? e : new FetchException("cannot fetch " + url + ": " + describe(e), e)));
  }

  private Future<JsonObject> exchange(HttpMethod method, String url, Buffer body, String authorization, int redirectsLeft) {
    return guard.check(url).compose(target -> {
      RequestOptions options = new RequestOptions()
          .setMethod(method)
          .setServer(SocketAddress.inetSocketAddress(new InetSocketAddress(target.address(), target.port())))
          .setHost(target.host())
          .setPort(target.port())
          .setSsl(target.ssl())
          .setURI(pathAndQuery(target.uri()))
          .setFollowRedirects(false)
          .setTimeout(timeoutMillis)
          .putHeader(HttpHeaders.ACCEPT, "application/json");
      if (body != null) {
        options.putHeader(HttpHeaders.CONTENT_TYPE, "application/x-www-form-urlencoded");
      }
      if (authorization != null) {
        options.putHeader(HttpHeaders.AUTHORIZATION, authorization);
      }
      return client.request(options).compose(request -> {
        Future<HttpClientResponse> sent = body == null ? request.send() : request.send(body);
        return sent.compose(response -> answer(request, response, method, url, body, authorization, redirectsLeft));
      });
    });
  }

  private Future<JsonObject> answer(HttpClientRequest request, HttpClientResponse response, HttpMethod method, String url,
      Buffer body, String authorization, int redirectsLeft) {
    int status = response.statusCode();
    if (status >= 300 && status < 400 && response.getHeader(HttpHeaders.LOCATION) != null) {
      discard(request, response);
      if (method != HttpMethod.GET) {
        return Future.failedFuture(new FetchException(url + " answered a redirect, which is not followed for " + method));
      }
      if (redirectsLeft == 0) {
        return Future.failedFuture(new FetchException(url + " redirected more than " + MAX_REDIRECTS + " times"));
      }
      String next;
      try {
        next = URI.create(url).resolve(response.getHeader(HttpHeaders.LOCATION)).toString();
      } catch (IllegalArgumentException e) {
        return Future.failedFuture(new FetchException(url + " redirected to an invalid URL"));
      }
      return exchange(method, next, body, authorization, redirectsLeft - 1);
    }
    if (status < 200 || status >= 300) {
      discard(request, response);
      return Future.failedFuture(new FetchException(url + " answered HTTP " + status));
    }
    return readBody(request, response, url).compose(bytes -> {
      try {
        return Future.succeededFuture(new JsonObject(bytes));
      } catch (DecodeException | ClassCastException e) {
        return Future.failedFuture(new FetchException(url + " did not answer a JSON object"));
      }
    });
  }

  /** Drops an answer whose body is not wanted: the connection is reset rather than read to its end. */
  private static void discard(HttpClientRequest request, HttpClientResponse response) {
    response.exceptionHandler(e -> { });
    request.reset();
  }

  private static Future<Buffer> readBody(HttpClientRequest request, HttpClientResponse response, String url) {
    Promise<Buffer> promise = Promise.promise();
    Buffer body = Buffer.buffer();
    if (declaredLength(response) > MAX_BODY_BYTES) {
      discard(request, response);
      return Future.failedFuture(new FetchException(url + " answered more than " + MAX_BODY_BYTES + " bytes"));
    }
    response.handler(chunk -> {
      if (body.length() + chunk.length() > MAX_BODY_BYTES) {
        promise.tryFail(new FetchException(url + " answered more than " + MAX_BODY_BYTES + " bytes"));
        discard(request, response);
      } else {
        body.appendBuffer(chunk);
      }
    });
    response.exceptionHandler(e -> promise.tryFail(new FetchException("cannot read the answer of " + url + ": " + describe(e), e)));
    response.endHandler(v -> promise.tryComplete(body));
    return promise.future();
  }

  private static long declaredLength(HttpClientResponse response) {
    try {
      String length = response.getHeader(HttpHeaders.CONTENT_LENGTH);
      return length == null ? -1 : Long.parseLong(length.trim());
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  private static String pathAndQuery(URI uri) {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static String describe(Throwable e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
