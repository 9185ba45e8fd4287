package io.portcullis.config;

import java.util.List;
import java.util.Map;

/**
 * Who among the verified callers may use the gateway at all. Each non-empty condition must hold:
 * the email in {@code emails}, its domain in {@code emailDomains}, and each claim path in
 * {@code claims} equal to (or, for an array claim, containing) the given value. An email counts
 * only when the token says it is verified ({@code email_verified} true), unless
 * {@code requireVerifiedEmail} is false, for identity providers that never send that claim.
 */
public record AllowConditions(List<String> emails, List<String> emailDomains, Map<String, String> claims,
    Boolean requireVerifiedEmail) {
  public AllowConditions {
    requireVerifiedEmail = requireVerifiedEmail == null || requireVerifiedEmail;
    emails = emails == null ? List.of() : List.copyOf(emails);
    emailDomains = emailDomains == null ? List.of() : List.copyOf(emailDomains);
    claims = claims == null ? Map.of() : Map.copyOf(claims);
  }

  public AllowConditions(List<String> emails, List<String> emailDomains, Map<String, String> claims) {
    this(emails, emailDomains, claims, null);
  }

  public static AllowConditions none() {
    return new AllowConditions(null, null, null);
  }
}
