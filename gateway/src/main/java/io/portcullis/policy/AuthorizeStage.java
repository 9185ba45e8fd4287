package io.portcullis.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.portcullis.audit.AuditEvent;
import io.portcullis.auth.PublicEndpoint;
import io.portcullis.observe.Metrics;
import io.portcullis.mcp.JsonRpcCodec;
import io.portcullis.mcp.JsonRpcError;
import io.portcullis.mcp.JsonRpcErrorCodes;
import io.portcullis.mcp.JsonRpcRequest;
import io.portcullis.pipeline.Exchange;
import io.portcullis.pipeline.Failure;
import io.portcullis.pipeline.GatewayException;
import io.portcullis.pipeline.Phase;
import io.portcullis.pipeline.Stage;
import io.portcullis.routing.Mounts;
import io.portcullis.routing.Replies;
import io.portcullis.routing.Route;
import io.portcullis.routing.UpstreamSession;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides every client request with policy before it reaches a backend: tools/call (with the
 * tool's access class), resources/read and subscribe, prompts/get, and any other method by name;
 * the items of tools/list, resources/list, resources/templates/list and prompts/list are decided
 * one by one on the way back, and those the principal may not use are removed. Fails closed.
 * With {@code enforce} off (a dry run) decisions are computed and logged but not enforced.
 */
public final class AuthorizeStage implements Stage {
  private static final Logger LOG = LoggerFactory.getLogger(AuthorizeStage.class);
  private static final AtomicLong CATALOG_REQUESTS = new AtomicLong();

  private final Vertx vertx;
  private final PolicyEngine engine;
  private final ToolAccess toolAccess;
  private final boolean enforce;
  private final PublicEndpoint endpoint;
  private final ListFilter lists;
  private final Mounts mounts;
  private final Metrics metrics;

  public AuthorizeStage(Vertx vertx, PolicyEngine engine, ToolAccess toolAccess, boolean enforce, PublicEndpoint endpoint,
      Mounts mounts, Metrics metrics) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.mounts = mounts;
    this.engine = engine;
    this.toolAccess = toolAccess;
    this.enforce = enforce;
    this.endpoint = endpoint;
    this.lists = new ListFilter(engine, toolAccess, enforce, mounts);
  }

  @Override
  public Phase phase() {
    return Phase.AUTHORIZE;
  }

  @Override
  public Future<Exchange> apply(Exchange exchange) {
    if (!(exchange.message() instanceof JsonRpcRequest request)) {
      return Future.succeededFuture(exchange);
    }
    ObjectNode params = request.params() == null ? JsonRpcCodec.object() : request.params();
    Route route = exchange.route();
    return switch (request.method()) {
      case "tools/call" -> authorizeToolCall(exchange, request, params, route);
      case "resources/read", "resources/subscribe", "resources/unsubscribe" -> authorizeResource(exchange, request, route, "resource");
      case "prompts/get" -> authorizePrompt(exchange, request, route, params.get("arguments"));
      case "completion/complete" -> !"ref/resource".equals(params.path("ref").path("type").asText())
          ? authorizePrompt(exchange, request, route, null)
          : authorizeResource(exchange, request, route, route.target().contains("{") ? "resource_template" : "resource");
      case "tools/list", "resources/list", "resources/templates/list", "prompts/list" ->
          Future.succeededFuture(exchange.withReplyFilter(reply -> Replies.rewritingResponse(vertx, reply,
              response -> lists.filter(exchange, request.method(), response))));
      default -> authorize(exchange, request, PolicyInputs.of(exchange, request.method(), null, params.get("arguments")), null, 0, null);
    };
  }

  /**
   * A request about a resource ({@code kind} resource) or a resource template (a completion's ref
   * with a '{'): one the principal may not list is answered like one that does not exist.
   */
  private Future<Exchange> authorizeResource(Exchange exchange, JsonRpcRequest request, Route route, String kind) {
    return authorize(exchange, request,
        PolicyInputs.of(exchange, request.method(), PolicyInputs.resourceTarget(kind, route.target(), route.upstreamTarget(), route.backend()), null),
        kind.equals("resource") ? "resources/list" : "resources/templates/list",
        JsonRpcErrorCodes.RESOURCE_NOT_FOUND, "Resource not found: " + route.target());
  }

  /** prompts/get, or a completion of a prompt's argument: a prompt the principal may not list is answered like an unknown one. */
  private Future<Exchange> authorizePrompt(Exchange exchange, JsonRpcRequest request, Route route, JsonNode arguments) {
    return authorize(exchange, request,
        PolicyInputs.of(exchange, request.method(), PolicyInputs.promptTarget(route.target(), route.backend(), route.upstreamTarget()), arguments),
        "prompts/list", JsonRpcErrorCodes.INVALID_PARAMS, "Unknown prompt: " + route.target());
  }

  private Future<Exchange> authorizeToolCall(Exchange exchange, JsonRpcRequest request, ObjectNode params, Route route) {
    String name = route.target();
    // The catalog lookup sends a request of the gateway's own: its failure must carry the client's id.
    return knownTool(exchange, route)
        .recover(e -> Future.failedFuture(e instanceof GatewayException g ? g.withRequestId(request.id()) : e))
        .compose(tool -> {
      if (tool == null) {
        return Future.failedFuture(unknown(request, JsonRpcErrorCodes.INVALID_PARAMS, "Unknown tool: " + name));
      }
      String access = toolAccess.classify(route.backend(), route.upstreamTarget(), tool);
      exchange.audit().accessClass(access);
      ObjectNode input = PolicyInputs.of(exchange, "tools/call",
          PolicyInputs.toolTarget(name, route.backend(), route.upstreamTarget(), access, tool.get("annotations")),
          params.get("arguments"));
      return authorize(exchange, request, input, "tools/list", JsonRpcErrorCodes.INVALID_PARAMS, "Unknown tool: " + name);
    });
  }

  /** The tool's definition from the session's catalog, asking its backend once if it is not there. */
  private Future<JsonNode> knownTool(Exchange exchange, Route route) {
    var catalog = exchange.session().tools();
    if (catalog.find(route.target()).isPresent()) {
      return Future.succeededFuture(catalog.find(route.target()).get());
    }
    UpstreamSession upstream = exchange.session().upstream(route.backend());
    if (upstream == null) {
      return Future.succeededFuture(null);
    }
    return refreshCatalog(exchange, route.backend(), upstream, null, 0)
        .map(v -> catalog.find(route.target()).orElse(null));
  }

  private Future<Void> refreshCatalog(Exchange exchange, String backend, UpstreamSession upstream, String cursor, int page) {
    ObjectNode params = JsonRpcCodec.object();
    if (cursor != null) {
      params.put("cursor", cursor);
    }
    JsonRpcRequest list = new JsonRpcRequest(new TextNode("portcullis-catalog-" + CATALOG_REQUESTS.incrementAndGet()), "tools/list", params);
    return upstream.request(list).compose(Replies::response).compose(response -> {
      if (response.isError()) {
        return Future.succeededFuture();
      }
      response.result().path("tools").forEach(tool -> {
        if (tool.path("name").isTextual() && mounts.reachable(backend, tool.get("name").asText())) {
          exchange.session().tools().record(mounts.exposeName(backend, tool.get("name").asText()), backend, tool);
        }
      });
      String next = response.result().path("nextCursor").asText(null);
      return next == null || page >= 20 ? Future.<Void>succeededFuture() : refreshCatalog(exchange, backend, upstream, next, page + 1);
    });
  }

  /**
   * Decides {@code input}. A denied target the principal may not even list ({@code listAction})
   * is answered like one that does not exist; a visible one gets a readable denial. After a deny,
   * the call and its listing are decided again together, in one evaluation against one policy
   * revision, so that a reload between two decisions cannot turn a hidden tool into a visible one.
   */
  private Future<Exchange> authorize(Exchange exchange, JsonRpcRequest request, ObjectNode input, String listAction,
      int unknownCode, String unknownMessage) {
    long started = System.nanoTime();
    return engine.decide(input).compose(decision -> {
      metrics.policyEvaluated(System.nanoTime() - started, decision.outcome().name().toLowerCase());
      noteDecision(exchange, decision);
      if (decision.allowed()) {
        return Future.succeededFuture(exchange);
      }
      if (!enforce) {
        LOG.info("dry run: policy would refuse {} ({} {}, decision {}): {}", request.method(), decision.outcome(),
            exchange.principal() == null ? "-" : exchange.principal().subject(), decision.decisionId(), decision.reasons());
        return Future.succeededFuture(exchange);
      }
      if (decision.outcome() == Decision.Outcome.ERROR || listAction == null) {
        return refuse(exchange, request, decision, true, unknownCode, unknownMessage);
      }
      ObjectNode listing = PolicyInputs.withTarget(input, (ObjectNode) input.get("target"));
      listing.put("action", listAction);
      listing.remove("arguments");
      return engine.decideAll(java.util.List.of(input, listing)).compose(both -> {
        if (both.size() == 2) {
          noteDecision(exchange, both.get(0));
        }
        return both.size() == 2 && both.get(0).allowed()
          ? Future.succeededFuture(exchange)
          : refuse(exchange, request, both.size() == 2 ? both.get(0) : decision,
              both.size() == 2 && both.get(1).allowed(), unknownCode, unknownMessage);
      });
    });
  }

  /** The decision as the audit record shows it; in a dry run a refusal says it was not enforced. */
  private void noteDecision(Exchange exchange, Decision decision) {
    java.util.List<String> reasons = decision.reasons();
    if (!enforce && !decision.allowed()) {
      reasons = new java.util.ArrayList<>(reasons);
      reasons.add("dry run: not enforced");
    }
    exchange.audit().decision(verdictOf(decision), reasons, decision.decisionId(), decision.policyRevision());
  }

  static AuditEvent.Verdict verdictOf(Decision decision) {
    return switch (decision.outcome()) {
      case ALLOW -> AuditEvent.Verdict.ALLOW;
      case DENY -> AuditEvent.Verdict.DENY;
      case ERROR -> AuditEvent.Verdict.ERROR;
    };
  }

  /** The client's answer to a refused decision; {@code visible} says whether the target may be named. */
  private Future<Exchange> refuse(Exchange exchange, JsonRpcRequest request, Decision decision, boolean visible,
      int unknownCode, String unknownMessage) {
    if (decision.outcome() == Decision.Outcome.ERROR) {
      LOG.warn("policy could not decide {} (decision {}): {}", request.method(), decision.decisionId(), decision.reasons());
      return Future.failedFuture(refusal(Failure.POLICY_ERROR, request, JsonRpcErrorCodes.POLICY_ERROR,
          "Refused: the policy could not decide this request", decision, false));
    }
    if (!decision.requiredScopes().isEmpty()) {
      return Future.failedFuture(GatewayException.oauth(Failure.INSUFFICIENT_SCOPE, "insufficient_scope",
          "this request needs the scope " + String.join(" ", decision.requiredScopes()),
          "Bearer error=\"insufficient_scope\", scope=\"" + String.join(" ", decision.requiredScopes())
              + "\", resource_metadata=\"" + endpoint.resourceMetadataUrl() + "\""));
    }
    if (!visible) {
      return Future.failedFuture(unknown(request, unknownCode, unknownMessage));
    }
    return Future.failedFuture(refusal(Failure.POLICY_DENIED, request, JsonRpcErrorCodes.POLICY_DENIED,
        "Denied by policy: " + String.join("; ", decision.reasons()), decision, true));
  }

  private static GatewayException refusal(Failure failure, JsonRpcRequest request, int code, String message, Decision decision,
      boolean showReasons) {
    ObjectNode data = JsonRpcCodec.object().put("decision_id", decision.decisionId());
    if (showReasons) {
      var reasons = data.putArray("reasons");
      decision.reasons().forEach(reasons::add);
    }
    return GatewayException.jsonRpc(failure, new JsonRpcError(code, message, data), request.id());
  }

  private static GatewayException unknown(JsonRpcRequest request, int code, String message) {
    return GatewayException.jsonRpc(Failure.UNKNOWN_TARGET, JsonRpcError.of(code, message), request.id());
  }
}
