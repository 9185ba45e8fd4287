package io.portcullis.auth;

/**
 * The URLs clients use to reach this gateway: known once the server is bound (a port of 0 is only
 * chosen then), set once, read by every request after.
 */
public final class PublicEndpoint {
  private volatile String baseUrl;
  private final String mcpPath;

  public PublicEndpoint(String mcpPath) {
    this.mcpPath = mcpPath;
  }

  public void bind(String publicBaseUrl) {
    this.baseUrl = publicBaseUrl;
  }

  public String baseUrl() {
    return baseUrl;
  }

  /** The resource clients call, and the audience tokens must carry by default. */
  public String mcpUrl() {
    return baseUrl + mcpPath;
  }

  /** Where the protected resource metadata (RFC 9728) of /mcp is served. */
  public String resourceMetadataUrl() {
    return baseUrl + "/.well-known/oauth-protected-resource" + mcpPath;
  }
}
