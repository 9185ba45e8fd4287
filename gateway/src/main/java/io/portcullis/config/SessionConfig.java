package io.portcullis.config;

import java.time.Duration;

/** Gateway sessions: how long an idle one lives, and how many may be open at once. */
public record SessionConfig(Duration idleTimeout, Integer max) {
  public SessionConfig {
    idleTimeout = idleTimeout == null ? Duration.ofMinutes(30) : idleTimeout;
    max = max == null ? 10_000 : max;
  }
}
