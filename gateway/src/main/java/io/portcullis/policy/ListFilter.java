package io.portcullis.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.mcp.JsonRpcCodec;
import io.portcullis.mcp.JsonRpcResponse;
import io.portcullis.pipeline.Exchange;
import io.portcullis.routing.Mounts;
import io.portcullis.routing.ResourceUris;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes from a list answer (tools, resources, resource templates, prompts) every item policy
 * does not allow this principal, deciding all items in one engine call. An item whose decision
 * failed is removed too (fail closed). An item denied only for a missing scope stays: the client
 * may step up for it, and calling it says so. Tools are recorded in the session's catalog under
 * the names the client sees.
 */
final class ListFilter {
  private static final Logger LOG = LoggerFactory.getLogger(ListFilter.class);

  private final PolicyEngine engine;
  private final ToolAccess toolAccess;
  private final boolean enforce;
  private final Mounts mounts;

  ListFilter(PolicyEngine engine, ToolAccess toolAccess, boolean enforce, Mounts mounts) {
    this.engine = engine;
    this.mounts = mounts;
    this.toolAccess = toolAccess;
    this.enforce = enforce;
  }

  Future<JsonRpcResponse> filter(Exchange exchange, String method, JsonRpcResponse response) {
    if (response.isError() || !response.result().isObject()) {
      return Future.succeededFuture(response);
    }
    String field = switch (method) {
      case "tools/list" -> "tools";
      case "resources/list" -> "resources";
      case "resources/templates/list" -> "resourceTemplates";
      default -> "prompts";
    };
    JsonNode items = response.result().get(field);
    if (items == null || !items.isArray() || items.isEmpty()) {
      return Future.succeededFuture(response);
    }
    ObjectNode base = PolicyInputs.of(exchange, method, null, null);
    List<ObjectNode> inputs = new ArrayList<>(items.size());
    items.forEach(item -> inputs.add(PolicyInputs.withTarget(base, target(exchange, method, item))));
    return engine.decideAll(inputs).map(decisions -> {
      long shown = 0;
      for (int i = 0; i < items.size(); i++) {
        Decision d = i < decisions.size() ? decisions.get(i) : null;
        shown += d != null && d.allowed() ? 1 : 0;
      }
      exchange.audit().decision(io.portcullis.audit.AuditEvent.Verdict.ALLOW,
          List.of(shown + " of " + items.size() + " items allowed" + (enforce ? "" : " (dry run: all shown)")), null,
          decisions.isEmpty() ? null : decisions.get(0).policyRevision());
      ArrayNode kept = JsonRpcCodec.mapper().createArrayNode();
      for (int i = 0; i < items.size(); i++) {
        Decision d = i < decisions.size() ? decisions.get(i) : null;
        boolean stepUp = d != null && d.outcome() == Decision.Outcome.DENY && !d.requiredScopes().isEmpty();
        if (d != null && (d.allowed() || stepUp) || !enforce) {
          kept.add(items.get(i));
        }
      }
      if (kept.size() < items.size()) {
        LOG.debug("{}: {} of {} items hidden from {}", method, items.size() - kept.size(), items.size(),
            exchange.principal() == null ? "-" : exchange.principal().subject());
      }
      ObjectNode result = ((ObjectNode) response.result()).deepCopy();
      result.set(field, kept);
      return JsonRpcResponse.success(response.id(), result);
    });
  }

  /** An item's policy target; the merged list names items as the client sees them, the backend is read from that name. */
  private ObjectNode target(Exchange exchange, String method, JsonNode item) {
    String name = item.path("name").asText(null);
    return switch (method) {
      case "tools/list" -> {
        Mounts.Target to = mounts.resolveName(name).orElse(new Mounts.Target(null, name));
        if (name != null && to.backend() != null) {
          exchange.session().tools().record(name, to.backend(), item);
        }
        yield PolicyInputs.toolTarget(name, to.backend(), to.upstream(), toolAccess.classify(to.backend(), to.upstream(), item),
            item.get("annotations"));
      }
      case "resources/list" -> resource("resource", item.path("uri").asText(null));
      case "resources/templates/list" -> resource("resource_template", item.path("uriTemplate").asText(null));
      default -> {
        Mounts.Target to = mounts.resolveName(name).orElse(new Mounts.Target(null, name));
        yield PolicyInputs.promptTarget(name, to.backend(), to.upstream());
      }
    };
  }

  /** A resource is decided in the normal form its read would be decided in (a template, or a URI that is none, as it is). */
  private ObjectNode resource(String kind, String uri) {
    Mounts.Target to = mounts.resolveUri(uri).orElse(new Mounts.Target(null, uri));
    if (kind.equals("resource") && to.backend() != null) {
      try {
        to = new Mounts.Target(to.backend(), ResourceUris.normalize(to.upstream()));
      } catch (IllegalArgumentException e) {
        // Its read would be refused: decided on the URI as listed, which is all policy can see.
      }
    }
    String exposed = to.backend() == null ? uri : mounts.exposeUri(to.backend(), to.upstream());
    return PolicyInputs.resourceTarget(kind, exposed, to.upstream(), to.backend());
  }
}
