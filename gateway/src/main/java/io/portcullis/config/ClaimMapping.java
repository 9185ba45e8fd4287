package io.portcullis.config;

/**
 * Where a principal's fields are read from in verified claims: dotted paths such as
 * {@code realm_access.roles}. A scope claim may be a space-separated string or an array.
 */
public record ClaimMapping(String subject, String roles, String groups, String scopes, String email, String clientId) {
  public ClaimMapping {
    subject = subject == null ? "sub" : subject;
    roles = roles == null ? "roles" : roles;
    groups = groups == null ? "groups" : groups;
    scopes = scopes == null ? "scope" : scopes;
    email = email == null ? "email" : email;
    clientId = clientId == null ? "client_id" : clientId;
  }

  public static ClaimMapping defaults() {
    return new ClaimMapping(null, null, null, null, null, null);
  }
}
