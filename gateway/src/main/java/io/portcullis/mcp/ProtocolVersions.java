package io.portcullis.mcp;

import java.util.List;

/** The MCP protocol revisions the gateway speaks to clients, newest first. */
public final class ProtocolVersions {
  public static final String V2025_11_25 = "2025-11-25";
  public static final String V2025_06_18 = "2025-06-18";
  public static final String V2025_03_26 = "2025-03-26";
  public static final String LATEST = V2025_11_25;
  /** What a request without an MCP-Protocol-Version header is taken to speak (the spec's rule). */
  public static final String ASSUMED_WHEN_ABSENT = V2025_03_26;
  public static final List<String> SUPPORTED = List.of(V2025_11_25, V2025_06_18, V2025_03_26);

  private ProtocolVersions() {
  }

  public static boolean isSupported(String version) {
    return SUPPORTED.contains(version);
  }

  /** The version to answer a client that asked for {@code requested}: that one if supported, else the latest. */
  public static String negotiate(String requested) {
    return isSupported(requested) ? requested : LATEST;
  }

  /** JSON-RPC batches were removed from the protocol in 2025-06-18. */
  public static boolean allowsBatches(String version) {
    return V2025_03_26.equals(version);
  }
}
