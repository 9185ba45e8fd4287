package io.portcullis.config;

import java.time.Duration;

/**
 * How many backends form one server. {@code separator} joins a backend's name and a tool or
 * prompt name; {@code listTimeout} bounds each backend's part of a merged list (a slower backend's
 * items are left out of that answer); after {@code circuitFailures} consecutive failures a
 * backend's circuit opens for {@code circuitOpenFor}, then one request probes it;
 * {@code rejoinBackoff} is the first wait before a session retries a backend that was down at
 * initialize (doubling up to a minute).
 */
public record RoutingConfig(String separator, Duration listTimeout, Integer circuitFailures, Duration circuitOpenFor,
    Duration rejoinBackoff) {
  public RoutingConfig {
    separator = separator == null ? "__" : separator;
    listTimeout = listTimeout == null ? Duration.ofSeconds(10) : listTimeout;
    circuitFailures = circuitFailures == null ? 5 : circuitFailures;
    circuitOpenFor = circuitOpenFor == null ? Duration.ofSeconds(30) : circuitOpenFor;
    rejoinBackoff = rejoinBackoff == null ? Duration.ofSeconds(2) : rejoinBackoff;
  }

  public static RoutingConfig defaults() {
    return new RoutingConfig(null, null, null, null, null);
  }
}
