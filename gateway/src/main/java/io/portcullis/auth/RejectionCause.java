package io.portcullis.auth;

/** Why a request was not authenticated: the causes operators see in the log and the metrics. */
public enum RejectionCause {
  NO_CREDENTIAL,
  MALFORMED,
  TOKEN_IN_QUERY,
  UNKNOWN_TOKEN,
  EXPIRED,
  NOT_YET_VALID,
  BAD_SIGNATURE,
  DISALLOWED_ALGORITHM,
  WRONG_ISSUER,
  WRONG_AUDIENCE,
  UNKNOWN_KEY,
  MISSING_SCOPE,
  NOT_ALLOWED,
  UNTRUSTED_PEER,
  PROVIDER_UNREACHABLE;

  /** The cause as it appears in logs and metric labels. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
