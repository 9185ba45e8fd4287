package io.portcullis.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.ext.web.Router;

/**
 * The gateway's meters, scraped in Prometheus format at /metrics. One registry per gateway; each
 * part of the gateway records through the methods here, so meter names live in one place.
 */
public final class Metrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  public void mount(Router router) {
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        .end(registry.scrape()));
  }

  /** Counts a request refused by authentication, by cause (no_credential, expired, bad_signature, ...). */
  public void authenticationFailed(String cause) {
    Counter.builder("portcullis.auth.failures").description("Requests refused by authentication, by cause")
        .tag("cause", cause).register(registry).increment();
  }
}
