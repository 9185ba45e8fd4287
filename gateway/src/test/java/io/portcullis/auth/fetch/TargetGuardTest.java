package io.portcullis.auth.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.InetAddress;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SSRF guard in front of every fetch: which URLs it lets through, with and without
 * {@code allowPrivateTargets}. Only checks are made here; nothing is connected to.
 */
@ExtendWith(VertxExtension.class)
class TargetGuardTest {
  Vertx vertx;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static String refusalOf(Future<?> future) throws Exception {
    try {
      await(future);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(FetchException.class);
      return e.getCause().getMessage();
    }
    throw new AssertionError("the URL was let through");
  }

  @Nested
  class ByDefault {
    TargetGuard guard;

    @BeforeEach
    void setUp() {
      guard = new TargetGuard(vertx, false);
    }

    @ParameterizedTest(name = "{0} is refused as {1}")
    @CsvSource(delimiter = '|', textBlock = """
        http://127.0.0.1:8080/jwks                        | loopback
        http://2130706433/jwks                            | loopback
        http://localhost/jwks                             | loopback
        http://[::1]/jwks                                 | loopback
        http://[::ffff:127.0.0.1]/jwks                    | loopback
        http://[2002:7f00:1::]/jwks                       | loopback
        http://10.0.0.7/jwks                              | private
        http://172.16.5.4/jwks                            | private
        http://172.31.255.255/jwks                        | private
        http://192.168.1.1/jwks                           | private
        http://[fc00::1]/jwks                             | private
        http://[fd12:3456::1]/jwks                        | private
        http://169.254.169.254/latest/meta-data           | link-local
        http://[fe80::1]/jwks                             | link-local
        http://[::ffff:169.254.169.254]/                  | link-local
        http://[64:ff9b::a9fe:a9fe]/                      | link-local
        http://0.0.0.0/jwks                               | unspecified
        http://[::]/jwks                                  | unspecified
        http://224.0.0.1/jwks                             | multicast
        http://[ff02::1]/jwks                             | multicast
        http://100.64.0.1/jwks                            | carrier-grade NAT
        http://100.127.255.254/jwks                       | carrier-grade NAT
        http://255.255.255.255/jwks                       | reserved
        """)
    void aNonPublicAddressIsRefused(String url, String range) throws Exception {
      assertThat(refusalOf(guard.check(url))).contains("a " + range + " address").contains("allowPrivateTargets");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        https://93.184.216.34/.well-known/openid-configuration | 93.184.216.34 | 443
        http://8.8.8.8:8080/jwks                                | 8.8.8.8       | 8080
        https://172.32.0.1/jwks                                 | 172.32.0.1    | 443
        https://100.128.0.1/jwks                                | 100.128.0.1   | 443
        https://[2606:4700:4700::1111]/jwks                     | 2606:4700:4700:0:0:0:0:1111 | 443
        """)
    void aPublicAddressIsLetThroughWithTheAddressToConnectTo(String url, String address, int port) throws Exception {
      TargetGuard.Target target = await(guard.check(url));
      assertThat(target.address().getHostAddress()).isEqualTo(address);
      assertThat(target.port()).isEqualTo(port);
      assertThat(target.ssl()).isEqualTo(url.startsWith("https"));
    }
  }

  @Nested
  class WithPrivateTargetsAllowed {
    TargetGuard guard;

    @BeforeEach
    void setUp() {
      guard = new TargetGuard(vertx, true);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"http://127.0.0.1:8080/jwks", "http://localhost/jwks", "http://10.0.0.7/jwks",
        "http://[fd12:3456::1]/jwks", "http://169.254.169.254/"})
    void aNonPublicAddressIsLetThrough(String url) throws Exception {
      assertThat(await(guard.check(url)).address()).isNotNull();
    }
  }

  @Nested
  class WhateverIsAllowed {
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
        ftp://93.184.216.34/jwks                | only http and https
        file:///etc/passwd                      | only http and https
        gopher://93.184.216.34:70/_GET          | only http and https
        jwks.json                               | only http and https
        https:///jwks                           | no host
        http://127.1/jwks                       | no host
        https://user:secret@93.184.216.34/jwks  | credentials in the URL
        'https://exa mple.com/'                 | not a URL
        """)
    void aUrlThatIsNotPlainHttpIsRefused(String url, String reason) throws Exception {
      assertThat(refusalOf(new TargetGuard(vertx, true).check(url))).contains(reason);
    }
  }

  @Test
  void rangesAreNamedForTheAddressItself() throws Exception {
    assertThat(TargetGuard.forbiddenRange(InetAddress.getByName("93.184.216.34"))).isNull();
    assertThat(TargetGuard.forbiddenRange(InetAddress.getByName("192.168.0.1"))).isEqualTo("private");
    assertThat(TargetGuard.forbiddenRange(InetAddress.getByName("2002:5db8:d822::1"))).isNull();
  }
}
