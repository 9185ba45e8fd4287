package io.portcullis.auth;

import io.portcullis.config.AllowConditions;
import io.portcullis.config.ClaimMapping;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns verified claims (of a JWT or an introspection answer) into a {@link Principal}: fields
 * read at the dotted paths of a {@link ClaimMapping}, then the {@link AllowConditions} and the
 * required scopes checked. Used only after the claims were verified.
 *
 * <p>A path such as {@code realm_access.roles} walks nested objects; a claim whose own name
 * contains dots (Auth0's {@code https://example.com/roles}) is found too. Scopes may be a
 * space-separated string or an array; when the configured scope claim is absent, {@code scp} is
 * read. The client id falls back to {@code azp} when its claim is absent.
 */
public final class ClaimsMapper {
  private final String provider;
  private final ClaimMapping mapping;
  private final AllowConditions allow;
  private final List<String> requiredScopes;

  public ClaimsMapper(String provider, ClaimMapping mapping, AllowConditions allow, List<String> requiredScopes) {
    this.provider = provider;
    this.mapping = mapping;
    this.allow = allow;
    this.requiredScopes = List.copyOf(requiredScopes);
  }

  /**
   * {@link AuthOutcome.Authenticated} with the principal, or {@link AuthOutcome.Rejected} with
   * MALFORMED (no subject), NOT_ALLOWED (an allow condition fails) or MISSING_SCOPE.
   */
  public AuthOutcome map(JsonObject claims) {
    String subject = scalar(valueAt(claims, mapping.subject()));
    if (subject == null || subject.isEmpty()) {
      return AuthOutcome.Rejected.because(RejectionCause.MALFORMED, "no subject at claim '" + mapping.subject() + "'");
    }
    String email = scalar(valueAt(claims, mapping.email()));
    String refusal = refusal(claims, email);
    if (refusal != null) {
      return AuthOutcome.Rejected.because(RejectionCause.NOT_ALLOWED, refusal);
    }
    Set<String> scopes = scopes(claims);
    List<String> missing = requiredScopes.stream().filter(s -> !scopes.contains(s)).toList();
    if (!missing.isEmpty()) {
      return AuthOutcome.Rejected.missingScopes("missing scope " + String.join(" ", missing), requiredScopes);
    }
    String clientId = scalar(valueAt(claims, mapping.clientId()));
    if (clientId == null) {
      clientId = scalar(claims.getValue("azp"));
    }
    Map<String, Object> plain = plainObject(claims);
    return new AuthOutcome.Authenticated(new Principal(subject, provider, clientId,
        strings(valueAt(claims, mapping.roles()), false), strings(valueAt(claims, mapping.groups()), false),
        scopes, plain, expiry(claims)));
  }

  /** The claim's {@code exp} as an instant, or null when it has none. */
  public static Instant expiry(JsonObject claims) {
    return numericDate(claims.getValue("exp"));
  }

  /**
   * A NumericDate claim (seconds since the epoch) as an instant, or null when it is not a number.
   * Values outside the years 1970 to 9999 are held to those bounds: a token whose {@code exp} lies
   * past what Instant can hold is then merely long-lived, and arithmetic on it cannot overflow.
   */
  public static Instant numericDate(Object value) {
    if (!(value instanceof Number n)) {
      return null;
    }
    return Instant.ofEpochSecond(Math.max(0, Math.min(LAST_NUMERIC_DATE, n.longValue())));
  }

  /** 9999-12-31T23:59:59Z. */
  private static final long LAST_NUMERIC_DATE = 253_402_300_799L;

  /**
   * The value at a dotted path, or null. At each level the longest key that matches a prefix of
   * the remaining path wins, so keys that themselves contain dots are reachable.
   */
  public static Object valueAt(JsonObject claims, String path) {
    if (claims.containsKey(path)) {
      return claims.getValue(path);
    }
    for (int dot = path.lastIndexOf('.'); dot > 0; dot = path.lastIndexOf('.', dot - 1)) {
      if (claims.getValue(path.substring(0, dot)) instanceof JsonObject nested) {
        Object found = valueAt(nested, path.substring(dot + 1));
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  private String refusal(JsonObject claims, String email) {
    if (!allow.emails().isEmpty() || !allow.emailDomains().isEmpty()) {
      if (email == null) {
        return "no email at claim '" + mapping.email() + "'";
      }
      if (allow.requireVerifiedEmail() && !verified(claims.getValue("email_verified"))) {
        return "email " + email + " is not verified (email_verified is " + claims.getValue("email_verified")
            + "; allow.requireVerifiedEmail: false accepts emails from identity providers that never send it)";
      }
      String lower = email.toLowerCase(Locale.ROOT);
      if (!allow.emails().isEmpty() && allow.emails().stream().noneMatch(e -> e.toLowerCase(Locale.ROOT).equals(lower))) {
        return "email " + email + " is not in the allowed emails";
      }
      String domain = lower.substring(lower.lastIndexOf('@') + 1);
      if (!allow.emailDomains().isEmpty() && (lower.indexOf('@') < 0 || allow.emailDomains().stream()
          .map(d -> d.toLowerCase(Locale.ROOT)).map(d -> d.startsWith("@") ? d.substring(1) : d).noneMatch(domain::equals))) {
        return "email domain of " + email + " is not allowed";
      }
    }
    for (Map.Entry<String, String> condition : allow.claims().entrySet()) {
      if (!strings(valueAt(claims, condition.getKey()), false).contains(condition.getValue())) {
        return "claim '" + condition.getKey() + "' is not " + condition.getValue();
      }
    }
    return null;
  }

  /** Whether {@code email_verified} says yes: true, or "true" as some providers spell it; absent is no. */
  private static boolean verified(Object emailVerified) {
    return Boolean.TRUE.equals(emailVerified) || "true".equals(emailVerified);
  }

  private Set<String> scopes(JsonObject claims) {
    Object value = valueAt(claims, mapping.scopes());
    if (value == null) {
      value = claims.getValue("scp");
    }
    return strings(value, true);
  }

  private static Set<String> strings(Object value, boolean splitOnSpaces) {
    Set<String> out = new LinkedHashSet<>();
    if (value instanceof JsonArray array) {
      for (Object item : array) {
        String s = scalar(item);
        if (s != null) {
          out.add(s);
        }
      }
    } else if (value instanceof String s && splitOnSpaces) {
      for (String part : s.trim().split("\\s+")) {
        if (!part.isEmpty()) {
          out.add(part);
        }
      }
    } else if (scalar(value) != null) {
      out.add(scalar(value));
    }
    return out;
  }

  private static String scalar(Object value) {
    if (value instanceof String s) {
      return s;
    }
    if (value instanceof Number || value instanceof Boolean) {
      return value.toString();
    }
    return null;
  }

  private static Map<String, Object> plainObject(JsonObject object) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : object) {
      Object value = plain(e.getValue());
      if (value != null) {
        out.put(e.getKey(), value);
      }
    }
    return Collections.unmodifiableMap(out);
  }

  private static Object plain(Object value) {
    if (value instanceof JsonObject object) {
      return plainObject(object);
    }
    if (value instanceof JsonArray array) {
      List<Object> out = new ArrayList<>();
      for (Object item : array) {
        Object p = plain(item);
        if (p != null) {
          out.add(p);
        }
      }
      return Collections.unmodifiableList(out);
    }
    return value;
  }
}
