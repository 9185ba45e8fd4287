package io.portcullis.config;

/**
 * Where the gateway listens. {@code publicUrl} is the base URL clients use (scheme, host, port,
 * no path); when absent it is derived from host and port. {@code eventLoops} is how many event
 * loops accept and serve connections (default: one per core).
 */
public record ServerConfig(String host, Integer port, String publicUrl, Integer eventLoops) {
  public static final int DEFAULT_PORT = 8080;

  public ServerConfig {
    host = host == null ? "127.0.0.1" : host;
    port = port == null ? DEFAULT_PORT : port;
    eventLoops = eventLoops == null ? Runtime.getRuntime().availableProcessors() : eventLoops;
  }

  /** The public base URL for a server bound to {@code actualPort} (which differs from port 0). */
  public String publicBaseUrl(int actualPort) {
    if (publicUrl != null) {
      return publicUrl.endsWith("/") ? publicUrl.substring(0, publicUrl.length() - 1) : publicUrl;
    }
    String shownHost = host.equals("0.0.0.0") ? "127.0.0.1" : host.contains(":") ? "[" + host + "]" : host;
    return "http://" + shownHost + ":" + actualPort;
  }
}
