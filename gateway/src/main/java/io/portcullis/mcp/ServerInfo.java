package io.portcullis.mcp;

/** How the gateway names itself to clients and backends. */
public final class ServerInfo {
  public static final String NAME = "portcullis";
  public static final String VERSION = versionOf();

  private ServerInfo() {
  }

  private static String versionOf() {
    String v = ServerInfo.class.getPackage().getImplementationVersion();
    return v == null ? "0.1.0-dev" : v;
  }
}
