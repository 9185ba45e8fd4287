package io.portcullis.config;

/**
 * Accepts the access tokens the built-in authorization server issued (auth.oauthServer), verified
 * with its signing keys. It has no settings of its own yet; {@code {}} enables it.
 */
public record OAuthAsProviderConfig(Boolean enabled) {
}
