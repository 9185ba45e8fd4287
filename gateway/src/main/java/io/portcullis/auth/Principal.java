package io.portcullis.auth;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Who is calling, as a provider verified it. Built only by a provider that verified a
 * credential, never from unverified input. {@code expiresAt} is when the credential stops being
 * valid, or null when it does not expire (a static token).
 */
public record Principal(
    String subject,
    String provider,
    String clientId,
    Set<String> roles,
    Set<String> groups,
    Set<String> scopes,
    Map<String, Object> claims,
    Instant expiresAt) {

  public Principal {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(provider, "provider");
    roles = roles == null ? Set.of() : Set.copyOf(roles);
    groups = groups == null ? Set.of() : Set.copyOf(groups);
    scopes = scopes == null ? Set.of() : Set.copyOf(scopes);
    claims = claims == null ? Map.of() : Map.copyOf(claims);
  }

  /**
   * The {@code iss} of the verified token, or null when the credential has none (a static token,
   * a forwarded header). A subject is unique only within its issuer (OIDC Core §2), so two jwt
   * providers chained for two identity providers can both know an "alice@example.com".
   */
  public String issuer() {
    return claims.get("iss") instanceof String iss ? iss : null;
  }

  /** Whether this is the same caller as {@code other}: same provider, same issuer, same subject. */
  public boolean sameCallerAs(Principal other) {
    return other != null && provider.equals(other.provider) && Objects.equals(issuer(), other.issuer())
        && subject.equals(other.subject);
  }
}
