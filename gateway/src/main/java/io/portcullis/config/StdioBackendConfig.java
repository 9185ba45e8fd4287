package io.portcullis.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A backend the gateway launches as a child process and speaks newline-delimited JSON-RPC to.
 * One process serves every session. It is restarted with exponential backoff between
 * {@code restartBackoff} and {@code maxRestartBackoff} when it dies. {@code requestTimeout}
 * bounds the silence while waiting for an answer (progress resets it). {@code maxSubscriptions}
 * bounds the resource subscriptions one session holds on the process.
 */
public record StdioBackendConfig(
    List<String> command,
    Map<String, String> env,
    String workingDirectory,
    Duration startTimeout,
    Duration requestTimeout,
    Duration restartBackoff,
    Duration maxRestartBackoff,
    Integer maxSubscriptions) {
  public StdioBackendConfig {
    command = command == null ? List.of() : List.copyOf(command);
    env = env == null ? Map.of() : Map.copyOf(env);
    startTimeout = startTimeout == null ? Duration.ofSeconds(60) : startTimeout;
    requestTimeout = requestTimeout == null ? Duration.ofMinutes(5) : requestTimeout;
    restartBackoff = restartBackoff == null ? Duration.ofSeconds(1) : restartBackoff;
    maxRestartBackoff = maxRestartBackoff == null ? Duration.ofSeconds(30) : maxRestartBackoff;
    maxSubscriptions = maxSubscriptions == null ? 100 : maxSubscriptions;
  }
}
