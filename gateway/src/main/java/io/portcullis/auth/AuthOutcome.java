package io.portcullis.auth;

import java.util.List;

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
  /**
   * Why the credential was refused; {@code unavailable} when the provider could not answer, and
   * {@code requiredScopes} the scopes a MISSING_SCOPE token should have carried (the client asks for
   * them when it authorizes again).
   */
  record Rejected(RejectionCause cause, String detail, boolean unavailable, List<String> requiredScopes) implements AuthOutcome {
    public Rejected {
      requiredScopes = List.copyOf(requiredScopes);
    }

    public Rejected(RejectionCause cause, String detail, boolean unavailable) {
      this(cause, detail, unavailable, List.of());
    }

    public static Rejected because(RejectionCause cause, String detail) {
      return new Rejected(cause, detail, false);
    }

    public static Rejected missingScopes(String detail, List<String> requiredScopes) {
      return new Rejected(RejectionCause.MISSING_SCOPE, detail, false, requiredScopes);
    }
  }

  static AuthOutcome notMine() {
    return new NotMine();
  }
}
