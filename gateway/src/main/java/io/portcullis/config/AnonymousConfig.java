package io.portcullis.config;

import java.util.List;

/** Requests without any credential: refused unless {@code enabled}; then this principal. */
public record AnonymousConfig(Boolean enabled, String subject, List<String> roles) {
  public AnonymousConfig {
    enabled = enabled != null && enabled;
    subject = subject == null ? "anonymous" : subject;
    roles = roles == null ? List.of() : List.copyOf(roles);
  }
}
