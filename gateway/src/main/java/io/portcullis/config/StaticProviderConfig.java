package io.portcullis.config;

import java.util.List;

/** Bearer tokens known in advance. */
public record StaticProviderConfig(List<StaticToken> tokens) {
  public StaticProviderConfig {
    tokens = tokens == null ? List.of() : List.copyOf(tokens);
  }

  /**
   * One token, by the hex SHA-256 of its value ({@code sha256}) or, only through an environment
   * variable, the value itself ({@code token: ${NAME}}); and who presents it.
   */
  public record StaticToken(String sha256, String token, String subject, List<String> roles, List<String> scopes) {
    public StaticToken {
      roles = roles == null ? List.of() : List.copyOf(roles);
      scopes = scopes == null ? List.of() : List.copyOf(scopes);
    }
  }
}
