package io.portcullis.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** One provider of the chain: exactly one of its kinds is set. */
public record AuthProviderConfig(
    @JsonProperty("static") StaticProviderConfig staticTokens,
    JwtProviderConfig jwt,
    IntrospectionProviderConfig introspection,
    ForwardedProviderConfig forwarded,
    @JsonProperty("oauth-as") OAuthAsProviderConfig oauthAs) {
}
