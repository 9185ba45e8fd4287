package io.portcullis.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.auth.Principal;
import io.portcullis.mcp.JsonRpcCodec;
import io.portcullis.pipeline.Exchange;
import io.portcullis.transport.GatewaySession;
import java.util.Collection;
import java.util.Map;

/**
 * Builds the policy input document (version 1, described in README "Policy"). The arguments are
 * the very object that is re-serialised upstream, never another reading of the request's bytes.
 */
public final class PolicyInputs {
  public static final int VERSION = 1;

  private PolicyInputs() {
  }

  /** The input for {@code action} on {@code target} (null for actions without one). */
  public static ObjectNode of(Exchange exchange, String action, ObjectNode target, JsonNode arguments) {
    ObjectNode request = JsonRpcCodec.object();
    request.put("source_ip", exchange.http().remoteAddress() == null ? null : exchange.http().remoteAddress().hostAddress());
    request.put("user_agent", exchange.http().getHeader("User-Agent"));
    return document(action, principal(exchange.principal()), target, arguments,
        session(exchange.session(), exchange.protocolVersion()), request);
  }

  /** The input document from its parts (each already in the document's shape); nulls are left out. */
  public static ObjectNode document(String action, ObjectNode principal, ObjectNode target, JsonNode arguments,
      ObjectNode session, ObjectNode request) {
    ObjectNode input = JsonRpcCodec.object();
    input.put("version", VERSION);
    input.put("action", action);
    input.set("principal", principal == null ? JsonRpcCodec.object() : principal);
    if (target != null) {
      input.set("target", target);
    }
    if (arguments != null) {
      input.set("arguments", arguments);
    }
    input.set("session", session == null ? JsonRpcCodec.object() : session);
    input.set("request", request == null ? JsonRpcCodec.object() : request);
    return input;
  }

  /** A copy of {@code base} about another target: how a list is decided item by item. */
  public static ObjectNode withTarget(ObjectNode base, ObjectNode target) {
    ObjectNode input = base.deepCopy();
    input.set("target", target);
    return input;
  }

  public static ObjectNode toolTarget(String name, String backend, String upstreamName, String access, JsonNode annotations) {
    ObjectNode target = JsonRpcCodec.object().put("kind", "tool").put("name", name).put("backend", backend)
        .put("upstream_name", upstreamName).put("access", access);
    target.set("annotations", annotations == null ? JsonRpcCodec.object() : annotations);
    return target;
  }

  /**
   * A resource or resource template: {@code uri} as the client names it, {@code upstreamUri} as
   * its backend does. No name: a read carries only the URI, so a list item named by its backend
   * and the read of it would be decided on different targets.
   */
  public static ObjectNode resourceTarget(String kind, String uri, String upstreamUri, String backend) {
    ObjectNode target = JsonRpcCodec.object().put("kind", kind).put("backend", backend);
    if (uri != null) {
      target.put("uri", uri);
      target.put("upstream_uri", upstreamUri == null ? uri : upstreamUri);
    }
    return target;
  }

  public static ObjectNode promptTarget(String name, String backend, String upstreamName) {
    return JsonRpcCodec.object().put("kind", "prompt").put("name", name).put("backend", backend).put("upstream_name", upstreamName);
  }

  /**
   * The principal subtrees already built, per event loop, by principal instance: a verified token
   * keeps its Principal (the providers cache them), so a caller's requests share one subtree. No
   * input is ever changed below its top level, so sharing is safe.
   */
  private static final ThreadLocal<java.util.IdentityHashMap<Principal, ObjectNode>> PRINCIPALS =
      ThreadLocal.withInitial(java.util.IdentityHashMap::new);
  private static final int PRINCIPALS_PER_THREAD = 1024;

  private static ObjectNode principal(Principal p) {
    if (p == null) {
      return JsonRpcCodec.object();
    }
    java.util.IdentityHashMap<Principal, ObjectNode> built = PRINCIPALS.get();
    ObjectNode node = built.get(p);
    if (node == null) {
      if (built.size() >= PRINCIPALS_PER_THREAD) {
        built.clear();
      }
      node = principalNode(p);
      built.put(p, node);
    }
    return node;
  }

  private static ObjectNode principalNode(Principal p) {
    ObjectNode node = JsonRpcCodec.object();
    node.put("subject", p.subject()).put("provider", p.provider()).put("issuer", p.issuer()).put("client_id", p.clientId());
    node.set("roles", strings(p.roles()));
    node.set("groups", strings(p.groups()));
    node.set("scopes", strings(p.scopes()));
    node.set("claims", JsonRpcCodec.mapper().valueToTree(p.claims() == null ? Map.of() : p.claims()));
    return node;
  }

  private static ObjectNode session(GatewaySession s, String headerVersion) {
    ObjectNode node = JsonRpcCodec.object();
    ObjectNode client = node.putObject("client");
    JsonNode info = s == null ? null : s.clientInfo();
    client.put("name", info == null ? null : info.path("name").asText(null));
    client.put("version", info == null ? null : info.path("version").asText(null));
    node.put("protocol_version", s != null && s.protocolVersion() != null ? s.protocolVersion() : headerVersion);
    return node;
  }

  private static ArrayNode strings(Collection<String> values) {
    ArrayNode array = JsonRpcCodec.mapper().createArrayNode();
    values.stream().sorted().forEach(array::add);
    return array;
  }
}
