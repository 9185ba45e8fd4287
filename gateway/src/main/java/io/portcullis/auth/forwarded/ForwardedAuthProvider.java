package io.portcullis.auth.forwarded;

import io.portcullis.auth.AuthOutcome;
import io.portcullis.auth.AuthProvider;
import io.portcullis.auth.AuthRequest;
import io.portcullis.auth.Principal;
import io.portcullis.auth.RejectionCause;
import io.portcullis.config.ForwardedProviderConfig;
import io.vertx.core.Future;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A trusted reverse proxy that has authenticated the user and names them in headers. The headers
 * are believed only when the socket peer itself is inside the trusted blocks, never on the word of
 * X-Forwarded-For. Without the user header the request is not this provider's; with it from an
 * untrusted peer, it is rejected. So is a request carrying any of the identity headers more than
 * once: a proxy that appends its header instead of replacing the client's (HAProxy's
 * {@code add-header}, Envoy's append) passes the client's own value along first.
 */
public final class ForwardedAuthProvider implements AuthProvider {
  private final ForwardedProviderConfig config;
  private final List<Cidr> trusted;

  public ForwardedAuthProvider(ForwardedProviderConfig config) {
    if (config.trustedCidrs().isEmpty()) {
      throw new IllegalArgumentException("a forwarded provider needs trustedCidrs");
    }
    this.config = config;
    this.trusted = config.trustedCidrs().stream().map(Cidr::parse).toList();
  }

  @Override
  public String kind() {
    return "forwarded";
  }

  @Override
  public Future<AuthOutcome> authenticate(AuthRequest request) {
    String user = request.headers().get(config.userHeader());
    if (user == null || user.isBlank()) {
      return Future.succeededFuture(AuthOutcome.notMine());
    }
    if (trusted.stream().noneMatch(block -> block.contains(request.peerAddress()))) {
      return Future.succeededFuture(AuthOutcome.Rejected.because(RejectionCause.UNTRUSTED_PEER,
          config.userHeader() + " from untrusted peer " + request.peerAddress()));
    }
    for (String header : List.of(config.userHeader(), config.groupsHeader(), config.emailHeader())) {
      int times = request.headers().getAll(header).size();
      if (times > 1) {
        return Future.succeededFuture(AuthOutcome.Rejected.because(RejectionCause.MALFORMED, header + " sent " + times
            + " times: the proxy must replace the client's identity headers, not add to them"));
      }
    }
    String groupsHeader = request.headers().get(config.groupsHeader());
    Set<String> groups = groupsHeader == null ? Set.of()
        : Arrays.stream(groupsHeader.split(",")).map(String::trim).filter(g -> !g.isEmpty()).collect(Collectors.toSet());
    String email = request.headers().get(config.emailHeader());
    Map<String, Object> claims = email == null ? Map.of() : Map.of("email", email.trim());
    return Future.succeededFuture(new AuthOutcome.Authenticated(
        new Principal(user.trim(), "forwarded", null, Set.of(), groups, Set.of(), claims, null)));
  }
}
