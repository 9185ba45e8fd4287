package io.portcullis.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A backend the gateway launches as a child process and speaks newline-delimited JSON-RPC to.
 * One process serves every session. It is restarted with exponential backoff between
 * {@code restartBackoff} and {@code maxRestartBackoff} when it dies. {@code requestTimeout}
 * bounds the silence while waiting for an answer (progress resets it).
 */
public record StdioBackendConfig(
    List<String> command,
    Map<String, String> env,
    String workingDirectory,
    Duration startTimeout,
    Duration requestTimeout,
    Duration restartBackoff,
    Duration maxRestartBackoff) {
  public StdioBackendConfig {
    command = command == null ? List.of() : List.copyOf(command);
    env = env == null ? Map.of() : Map.copyOf(env);
    startTimeout = startTimeout == null ? Duration.ofSeconds(60) : startTimeout;
    requestTimeout = requestTimeout == null ? Duration.ofMinutes(5) : requestTimeout;
    restartBackoff = restartBackoff == null ? Duration.ofSeconds(1) : restartBackoff;
    maxRestartBackoff = maxRestartBackoff == null ? Duration.ofSeconds(30) : maxRestartBackoff;
  }
}
