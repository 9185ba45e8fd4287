package io.portcullis.auth.statictoken;

import io.portcullis.Sha256;
import io.portcullis.auth.AuthOutcome;
import io.portcullis.auth.AuthProvider;
import io.portcullis.auth.AuthRequest;
import io.portcullis.auth.Principal;
import io.portcullis.config.StaticProviderConfig;
import io.vertx.core.Future;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Bearer tokens configured in advance, held only as SHA-256 digests and compared in constant time
 * (every configured digest is compared, whatever matches). A token it does not know is "not
 * mine", so that the next provider can try it.
 */
public final class StaticTokenAuthProvider implements AuthProvider {
  private record Known(byte[] digest, Principal principal) {
  }

  private final List<Known> tokens;

  public StaticTokenAuthProvider(StaticProviderConfig config) {
    this.tokens = config.tokens().stream().map(t -> new Known(
        t.sha256() != null ? HexFormat.of().parseHex(t.sha256().trim().toLowerCase(java.util.Locale.ROOT)) : Sha256.of(t.token()),
        new Principal(t.subject(), "static", null, Set.copyOf(t.roles()), Set.of(), Set.copyOf(t.scopes()), java.util.Map.of(), null)))
        .toList();
  }

  @Override
  public String kind() {
    return "static";
  }

  @Override
  public Future<AuthOutcome> authenticate(AuthRequest request) {
    if (request.bearerToken() == null) {
      return Future.succeededFuture(AuthOutcome.notMine());
    }
    byte[] presented = Sha256.of(request.bearerToken());
    Principal match = null;
    for (Known known : tokens) {
      if (MessageDigest.isEqual(known.digest(), presented) && match == null) {
        match = known.principal();
      }
    }
    return Future.succeededFuture(match == null ? AuthOutcome.notMine() : new AuthOutcome.Authenticated(match));
  }
}
