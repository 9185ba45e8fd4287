package io.portcullis.policy;

/**
 * A policy could not be loaded: the Rego does not build (the message carries {@code opa}'s own
 * output), the directory is missing, or the built policy fails its test evaluation. A start that
 * fails with it keeps the gateway from starting; a reload that fails with it keeps the last good
 * policy.
 */
public final class PolicyLoadException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PolicyLoadException(String message) {
    super(message);
  }

  public PolicyLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
