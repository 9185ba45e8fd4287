package io.portcullis.config;

import java.util.List;

/**
 * A trusted reverse proxy that authenticated the user and says who it is in headers. The headers
 * are believed only when the socket peer is inside {@code trustedCidrs} (which must not be empty).
 */
public record ForwardedProviderConfig(List<String> trustedCidrs, String userHeader, String groupsHeader, String emailHeader) {
  public ForwardedProviderConfig {
    trustedCidrs = trustedCidrs == null ? List.of() : List.copyOf(trustedCidrs);
    userHeader = userHeader == null ? "X-Forwarded-User" : userHeader;
    groupsHeader = groupsHeader == null ? "X-Forwarded-Groups" : groupsHeader;
    emailHeader = emailHeader == null ? "X-Forwarded-Email" : emailHeader;
  }
}
