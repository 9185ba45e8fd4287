package io.portcullis.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.mcp.JsonRpcCodec;
import io.portcullis.mcp.JsonRpcResponse;
import io.portcullis.pipeline.Exchange;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes from a list answer (tools, resources, resource templates, prompts) every item policy
 * does not allow this principal, deciding all items in one engine call. An item whose decision
 * failed is removed too (fail closed). An item denied only for a missing scope stays: the client
 * may step up for it, and calling it says so. Tools are recorded in the session's catalog.
 */
final class ListFilter {
  private static final Logger LOG = LoggerFactory.getLogger(ListFilter.class);

  private final PolicyEngine engine;
  private final ToolAccess toolAccess;
  private final boolean enforce;

  ListFilter(PolicyEngine engine, ToolAccess toolAccess, boolean enforce) {
    this.engine = engine;
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
    if (method.equals("tools/list")) {
      exchange.session().tools().record(response.result());
    }
    String backend = exchange.backend().name();
    ObjectNode base = PolicyInputs.of(exchange, method, null, null);
    List<ObjectNode> inputs = new ArrayList<>(items.size());
    items.forEach(item -> inputs.add(PolicyInputs.withTarget(base, target(method, item, backend))));
    return engine.decideAll(inputs).map(decisions -> {
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

  private ObjectNode target(String method, JsonNode item, String backend) {
    String name = item.path("name").asText(null);
    return switch (method) {
      case "tools/list" -> PolicyInputs.toolTarget(name, backend, name, toolAccess.classify(backend, name, item), item.get("annotations"));
      case "resources/list" -> PolicyInputs.resourceTarget("resource", item.path("uri").asText(null), name, backend);
      case "resources/templates/list" -> PolicyInputs.resourceTarget("resource_template", item.path("uriTemplate").asText(null), name, backend);
      default -> PolicyInputs.promptTarget(name, backend);
    };
  }
}
