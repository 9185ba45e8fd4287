package io.portcullis.auth.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fetcher against a loopback server that answers JSON, errors, redirects, floods and
 * silence. Private targets are allowed so that the loopback server can be reached.
 */
@ExtendWith(VertxExtension.class)
class GuardedFetcherTest {
  Vertx vertx;
  HttpServer server;
  GuardedFetcher fetcher;
  final AtomicInteger requests = new AtomicInteger();

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    this.vertx = vertx;
    server = await(vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1"));
    fetcher = new GuardedFetcher(vertx, new TargetGuard(vertx, true), Duration.ofMillis(500));
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.actualPort() + path;
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static String failureOf(Future<?> future) throws Exception {
    try {
      await(future);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(FetchException.class);
      return e.getCause().getMessage();
    }
    throw new AssertionError("the fetch succeeded");
  }

  private void handle(HttpServerRequest request) {
    requests.incrementAndGet();
    String path = request.path();
    if (path.equals("/json")) {
      json(request, new JsonObject().put("ok", true).put("host", request.authority().toString()));
    } else if (path.equals("/form")) {
      request.body().onSuccess(body -> json(request, new JsonObject().put("body", body.toString())
          .put("authorization", request.getHeader("Authorization")).put("type", request.getHeader("Content-Type"))));
    } else if (path.startsWith("/hops/")) {
      int left = Integer.parseInt(path.substring(6));
      redirect(request, left == 0 ? "/json" : "/hops/" + (left - 1));
    } else if (path.equals("/relative")) {
      redirect(request, "json");
    } else if (path.equals("/redirect-to")) {
      redirect(request, request.getParam("location"));
    } else if (path.equals("/status")) {
      request.response().setStatusCode(Integer.parseInt(request.getParam("code"))).end("{}");
    } else if (path.equals("/array")) {
      request.response().end("[1, 2]");
    } else if (path.equals("/text")) {
      request.response().end("hello");
    } else if (path.equals("/flood")) {
      request.response().setChunked(true);
      Buffer chunk = Buffer.buffer(new byte[64 * 1024]);
      for (int i = 0; i < 20; i++) {
        request.response().write(chunk);
      }
      request.response().end();
    } else if (path.equals("/huge")) {
      request.response().putHeader("Content-Length", "5000000000").write("{");
    }
    // "/silent" and anything else: no answer at all
  }

  private static void json(HttpServerRequest request, JsonObject body) {
    request.response().putHeader("Content-Type", "application/json").end(body.encode());
  }

  private static void redirect(HttpServerRequest request, String location) {
    request.response().setStatusCode(302).putHeader("Location", location).end();
  }

  @Nested
  class Answers {
    @Test
    void aJsonObjectIsReturnedWithTheHostHeaderOfTheUrl() throws Exception {
      JsonObject answer = await(fetcher.getJson(url("/json")));
      assertThat(answer.getBoolean("ok")).isTrue();
      assertThat(answer.getString("host")).isEqualTo("127.0.0.1:" + server.actualPort());
    }

    @Test
    void aFormIsPostedWithItsAuthorization() throws Exception {
      JsonObject answer = await(fetcher.postForm(url("/form"), Map.of("token", "a b&c=d"), "Basic Y2xpZW50OnNlY3JldA=="));
      assertThat(answer.getString("body")).isEqualTo("token=a+b%26c%3Dd");
      assertThat(answer.getString("authorization")).isEqualTo("Basic Y2xpZW50OnNlY3JldA==");
      assertThat(answer.getString("type")).isEqualTo("application/x-www-form-urlencoded");
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
        /status?code=500 | answered HTTP 500
        /status?code=404 | answered HTTP 404
        /status?code=304 | answered HTTP 304
        /array           | did not answer a JSON object
        /text            | did not answer a JSON object
        /flood           | answered more than 1048576 bytes
        /huge            | answered more than 1048576 bytes
        /silent          | no answer from
        """)
    void anAnswerThatIsNotAJsonObjectFailsWithTheReason(String path, String reason) throws Exception {
      assertThat(failureOf(fetcher.getJson(url(path)))).contains(reason).contains(url(path));
    }

    @Test
    void aLoopbackServerIsNotContactedWhenPrivateTargetsAreRefused() throws Exception {
      GuardedFetcher strict = new GuardedFetcher(vertx, new TargetGuard(vertx, false), Duration.ofMillis(500));
      assertThat(failureOf(strict.getJson(url("/json")))).contains("a loopback address");
      assertThat(requests.get()).isZero();
    }

    @Test
    void anUnreachableServerFailsWithTheUrl() throws Exception {
      String url = url("/json");
      await(server.close());
      assertThat(failureOf(fetcher.getJson(url))).startsWith("cannot fetch " + url);
    }
  }

  @Nested
  class Redirects {
    @Test
    void aGetFollowsUpToThreeRedirects() throws Exception {
      assertThat(await(fetcher.getJson(url("/hops/2"))).getBoolean("ok")).isTrue();
      assertThat(requests.get()).isEqualTo(4);
    }

    @Test
    void aRelativeLocationIsResolvedAgainstTheUrl() throws Exception {
      assertThat(await(fetcher.getJson(url("/relative"))).getBoolean("ok")).isTrue();
    }

    @Test
    void aFourthRedirectIsRefused() throws Exception {
      assertThat(failureOf(fetcher.getJson(url("/hops/3")))).contains("redirected more than 3 times");
    }

    @Test
    void aPostDoesNotFollowRedirects() throws Exception {
      assertThat(failureOf(fetcher.postForm(url("/hops/0"), Map.of("token", "t"), null)))
          .contains("redirect, which is not followed for POST");
      assertThat(requests.get()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        file:///etc/passwd                       | only http and https
        gopher://127.0.0.1:70/_GET               | only http and https
        http://user:secret@127.0.0.1:1/json      | credentials in the URL
        """)
    void eachHopIsCheckedByTheGuard(String location, String reason) throws Exception {
      assertThat(failureOf(fetcher.getJson(url("/redirect-to?location=" + location)))).contains(reason);
    }
  }

  @Nested
  class OverTls {
    final SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
    HttpServer tls;
    GuardedFetcher trusting;

    @BeforeEach
    void start() throws Exception {
      tls = await(vertx.createHttpServer(new HttpServerOptions().setSsl(true)
              .setKeyCertOptions(certificate.keyCertOptions()))
          .requestHandler(request -> json(request, new JsonObject().put("host", request.authority().toString())))
          .listen(0, "127.0.0.1"));
      trusting = new GuardedFetcher(vertx, new TargetGuard(vertx, true), Duration.ofSeconds(5),
          new HttpClientOptions().setTrustOptions(certificate.trustOptions()));
    }

    @Test
    void theCertificateIsCheckedForTheHostNameWhileTheVettedAddressIsConnectedTo() throws Exception {
      JsonObject answer = await(trusting.getJson("https://localhost:" + tls.actualPort() + "/json"));
      assertThat(answer.getString("host")).isEqualTo("localhost:" + tls.actualPort());
    }

    @Test
    void aCertificateForAnotherNameIsRefused() throws Exception {
      assertThat(failureOf(trusting.getJson("https://127.0.0.1:" + tls.actualPort() + "/json"))).startsWith("cannot fetch");
    }
  }
}
