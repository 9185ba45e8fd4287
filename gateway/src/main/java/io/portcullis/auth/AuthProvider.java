package io.portcullis.auth;

import io.vertx.core.Future;

/**
 * One way of authenticating a request from its headers. Implementations do not block: remote
 * look-ups (JWKS, introspection) go through Vert.x clients.
 */
public interface AuthProvider {
  /** The provider kind as it appears in a principal: static, jwt, introspection, forwarded. */
  String kind();

  /**
   * Decides about the request. The future completes with an {@link AuthOutcome}; it fails only on
   * a bug, which the chain treats as a rejection (fail closed).
   */
  Future<AuthOutcome> authenticate(AuthRequest request);
}
