package io.portcullis.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.mcp.JsonRpcCodec;
import io.portcullis.mcp.JsonRpcError;
import io.portcullis.mcp.JsonRpcErrorCodes;
import io.portcullis.mcp.JsonRpcRequest;
import io.portcullis.pipeline.Exchange;
import io.portcullis.pipeline.Failure;
import io.portcullis.pipeline.GatewayException;
import io.portcullis.pipeline.Phase;
import io.portcullis.pipeline.Stage;
import io.vertx.core.Future;
import java.util.Optional;
import java.util.Set;

/**
 * Picks the backend a request goes to from the name it uses: a tool or prompt by its prefixed
 * name, a resource by its mapped URI, a completion by what its {@code ref} names. The request is
 * rewritten to the backend's own name or URI; its arguments stay the very object policy decides
 * on. A resource URI is routed, decided on and forwarded in its normal form ({@link ResourceUris}).
 * Lists, initialize and messages for every backend get {@link Route#ALL}. A name that leads
 * to no backend of the session is answered like an unknown tool, prompt or resource.
 */
public final class RouteStage implements Stage {
  private static final Set<String> TO_EVERY_BACKEND = Set.of("initialize", "ping", "tools/list", "prompts/list",
      "resources/list", "resources/templates/list", "logging/setLevel");

  private final Mounts mounts;
  private final boolean lone;

  public RouteStage(Mounts mounts) {
    this.mounts = mounts;
    this.lone = mounts.backends().size() == 1;
  }

  @Override
  public Phase phase() {
    return Phase.ROUTE;
  }

  @Override
  public Future<Exchange> apply(Exchange exchange) {
    if (!(exchange.message() instanceof JsonRpcRequest request) || TO_EVERY_BACKEND.contains(request.method())) {
      return Future.succeededFuture(exchange.withRoute(Route.ALL, exchange.message()));
    }
    ObjectNode params = request.params() == null ? JsonRpcCodec.object() : request.params();
    return switch (request.method()) {
      case "tools/call" -> byName(exchange, request, params, params, "name", "Unknown tool: ");
      case "prompts/get" -> byName(exchange, request, params, params, "name", "Unknown prompt: ");
      case "resources/read", "resources/subscribe", "resources/unsubscribe" -> byUri(exchange, request, params, params, "uri");
      case "completion/complete" -> completion(exchange, request, params);
      default -> lone
          ? Future.succeededFuture(exchange.withRoute(Route.to(mounts.backends().get(0)), request))
          : Future.failedFuture(GatewayException.jsonRpc(Failure.UNKNOWN_TARGET, JsonRpcError.of(JsonRpcErrorCodes.METHOD_NOT_FOUND,
              "Method not found: " + request.method()), request.id()));
    };
  }

  private Future<Exchange> completion(Exchange exchange, JsonRpcRequest request, ObjectNode params) {
    JsonNode ref = params.get("ref");
    if (ref instanceof ObjectNode refObject && "ref/resource".equals(ref.path("type").asText())) {
      return byUri(exchange, request, params, refObject, "uri");
    }
    if (ref instanceof ObjectNode refObject) {
      return byName(exchange, request, params, refObject, "name", "Unknown prompt: ");
    }
    return Future.failedFuture(invalid(request, "Invalid params: completion/complete needs a ref"));
  }

  private Future<Exchange> byName(Exchange exchange, JsonRpcRequest request, ObjectNode params, ObjectNode holder,
      String field, String unknown) {
    String name = holder.path(field).isTextual() ? holder.get(field).asText() : null;
    if (name == null) {
      return Future.failedFuture(invalid(request, "Invalid params: '" + field + "' is required"));
    }
    Optional<Mounts.Target> target = mounts.resolveName(name);
    if (target.isEmpty()) {
      return Future.failedFuture(invalid(request, unknown + name));
    }
    return Future.succeededFuture(routed(exchange, request, params, holder, field, name, target.get()));
  }

  private Future<Exchange> byUri(Exchange exchange, JsonRpcRequest request, ObjectNode params, ObjectNode holder, String field) {
    String uri = holder.path(field).isTextual() ? holder.get(field).asText() : null;
    if (uri == null) {
      return Future.failedFuture(invalid(request, "Invalid params: '" + field + "' is required"));
    }
    Optional<Mounts.Target> target = mounts.resolveUri(uri);
    if (target.isPresent() && !(holder != params && uri.contains("{"))) {
      // Routed, decided and forwarded in normal form (a completion's URI template is no URI).
      try {
        String upstream = ResourceUris.normalize(target.get().upstream());
        target = Optional.of(new Mounts.Target(target.get().backend(), upstream)).filter(t -> mounts.uriReachable(t.backend(), upstream));
      } catch (IllegalArgumentException e) {
        return Future.failedFuture(invalid(request, "Invalid params: '" + field + "' is not a URI: " + e.getMessage()));
      }
    }
    if (target.isEmpty()) {
      return Future.failedFuture(GatewayException.jsonRpc(Failure.UNKNOWN_TARGET,
          JsonRpcError.of(JsonRpcErrorCodes.RESOURCE_NOT_FOUND, "Resource not found: " + uri), request.id()));
    }
    return Future.succeededFuture(routed(exchange, request, params, holder, field,
        mounts.exposeUri(target.get().backend(), target.get().upstream()), target.get()));
  }

  /**
   * The exchange with the request as the backend must see it: only the routed name changes, in a
   * shallow copy, so the arguments object policy reads is the one that is sent.
   */
  private static Exchange routed(Exchange exchange, JsonRpcRequest request, ObjectNode params, ObjectNode holder,
      String field, String exposed, Mounts.Target target) {
    Route route = new Route(target.backend(), exposed, target.upstream());
    if (holder.get(field).asText().equals(target.upstream())) {
      return exchange.withRoute(route, request);
    }
    ObjectNode rewrittenHolder = JsonRpcCodec.object();
    rewrittenHolder.setAll(holder);
    rewrittenHolder.put(field, target.upstream());
    ObjectNode rewritten = rewrittenHolder;
    if (holder != params) {
      rewritten = JsonRpcCodec.object();
      rewritten.setAll(params);
      rewritten.set("ref", rewrittenHolder);
    }
    return exchange.withRoute(route, new JsonRpcRequest(request.id(), request.method(), rewritten));
  }

  private static GatewayException invalid(JsonRpcRequest request, String message) {
    return GatewayException.jsonRpc(Failure.UNKNOWN_TARGET, JsonRpcError.of(JsonRpcErrorCodes.INVALID_PARAMS, message), request.id());
  }
}
