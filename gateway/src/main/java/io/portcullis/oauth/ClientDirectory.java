package io.portcullis.oauth;

import java.util.Optional;

/** Finds a client by its id: a registered one, or one known by a client ID metadata document fetched for this request. */
@FunctionalInterface
interface ClientDirectory {
  Optional<OAuthState.Client> find(String clientId);
}
