package io.portcullis.mcp;

/** Thrown by {@link JsonRpcCodec} when bytes are not JSON (-32700) or not a JSON-RPC message (-32600). */
public final class MalformedMessageException extends Exception {
  private final int code;

  public MalformedMessageException(int code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public int code() {
    return code;
  }
}
