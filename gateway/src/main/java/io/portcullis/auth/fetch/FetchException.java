package io.portcullis.auth.fetch;

/**
 * A fetch Portcullis made on its own behalf (discovery, JWKS, introspection) did not produce a
 * usable JSON answer: the target was refused as SSRF, could not be reached, timed out, or answered
 * something other than a JSON object. The message names the URL and the reason, never a token or
 * a secret.
 */
public final class FetchException extends RuntimeException {
  public FetchException(String message) {
    super(message, null, false, false);
  }

  public FetchException(String message, Throwable cause) {
    super(message, cause, false, false);
  }
}
