package io.portcullis.auth;

/**
 * What one provider says about a request: a verified principal, "not mine" (the next provider
 * tries), or a rejection that ends the chain. A rejection names its cause for the log and the
 * metrics; the client only learns that its token is invalid.
 */
public sealed interface AuthOutcome permits AuthOutcome.Authenticated, AuthOutcome.NotMine, AuthOutcome.Rejected {

  /** The provider verified the credential. */
  record Authenticated(Principal principal) implements AuthOutcome {
  }

  /** The provider does not recognise the credential (or its absence) as its own. */
  record NotMine() implements AuthOutcome {
  }

  /**
   * The provider recognised the credential as its own and it failed verification, or the
   * provider could not answer. {@code unavailable} means the provider could not be reached (the
   * client gets 503 rather than 401); it is never a reason to let the request through.
   */
  record Rejected(RejectionCause cause, String detail, boolean unavailable) implements AuthOutcome {
    public static Rejected because(RejectionCause cause, String detail) {
      return new Rejected(cause, detail, false);
    }
  }

  static AuthOutcome notMine() {
    return new NotMine();
  }
}
