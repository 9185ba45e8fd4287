package io.portcullis.config;

import java.time.Duration;
import java.util.Map;

/**
 * A Streamable HTTP backend. {@code headers} are sent on every upstream request (the gateway's
 * own credentials; a client's Authorization header is never forwarded). {@code firstByteTimeout}
 * bounds the wait for the answer's headers; {@code streamIdleTimeout} the silence on an open
 * answer stream (GET streams excepted). {@code oauth}, when set, makes the gateway fetch and
 * refresh a client-credentials token and send it as the Authorization header.
 */
public record HttpBackendConfig(
    String url,
    Map<String, String> headers,
    Duration connectTimeout,
    Duration firstByteTimeout,
    Duration streamIdleTimeout,
    Integer maxConnections,
    ClientCredentialsConfig oauth) {
  public HttpBackendConfig {
    headers = headers == null ? Map.of() : Map.copyOf(headers);
    connectTimeout = connectTimeout == null ? Duration.ofSeconds(5) : connectTimeout;
    firstByteTimeout = firstByteTimeout == null ? Duration.ofSeconds(60) : firstByteTimeout;
    streamIdleTimeout = streamIdleTimeout == null ? Duration.ofMinutes(5) : streamIdleTimeout;
    maxConnections = maxConnections == null ? 64 : maxConnections;
  }
}
