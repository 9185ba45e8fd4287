package io.portcullis.config;

/**
 * Where the gateway listens. {@code publicUrl} is the base URL clients use (scheme, host, port,
 * no path); when absent it is derived from host and port. {@code eventLoops} is how many event
 * loops accept and serve connections (default: one per core). {@code transport} is {@code native}
 * (default: Linux's epoll, falling back to Java NIO where it cannot be loaded) or {@code nio}.
 */
public record ServerConfig(String host, Integer port, String publicUrl, Integer eventLoops, String transport) {
  public static final int DEFAULT_PORT = 8080;
  public static final String NATIVE = "native";
  public static final String NIO = "nio";

  public ServerConfig {
    host = host == null ? "127.0.0.1" : host;
    port = port == null ? DEFAULT_PORT : port;
    eventLoops = eventLoops == null ? Runtime.getRuntime().availableProcessors() : eventLoops;
    transport = transport == null ? NATIVE : transport;
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
