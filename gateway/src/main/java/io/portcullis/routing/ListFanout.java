package io.portcullis.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.mcp.JsonRpcCodec;
import io.portcullis.mcp.JsonRpcError;
import io.portcullis.mcp.JsonRpcErrorCodes;
import io.portcullis.mcp.JsonRpcRequest;
import io.portcullis.mcp.JsonRpcResponse;
import io.portcullis.pipeline.Failure;
import io.portcullis.pipeline.GatewayException;
import io.portcullis.transport.GatewaySession;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers tools/list, prompts/list, resources/list and resources/templates/list for a session
 * from all its backends at once: asked in parallel, each within routing.listTimeout (a backend
 * that answers later, or with an error, is left out of that answer and counted in the metrics),
 * merged in configuration order with names and URIs mapped for the client. Pagination uses the
 * gateway's own cursor, which carries each backend's cursor for the pages still to come.
 */
final class ListFanout {
  private static final Logger LOG = LoggerFactory.getLogger(ListFanout.class);
  private static final String CURSOR_PREFIX = "pc1.";

  private final Vertx vertx;
  private final Backends backends;

  ListFanout(Vertx vertx, Backends backends) {
    this.vertx = vertx;
    this.backends = backends;
  }

  /** The merged answer to a list request, as the reply to relay; fails only for a cursor the gateway never issued. */
  Future<Reply> list(GatewaySession session, JsonRpcRequest request) {
    Kind kind = Kind.of(request.method());
    ObjectNode params = request.params() == null ? JsonRpcCodec.object() : request.params();
    Map<String, String> cursors;
    if (params.hasNonNull("cursor")) {
      cursors = decodeCursor(params.get("cursor"));
      if (cursors == null) {
        return Future.failedFuture(GatewayException.jsonRpc(Failure.INVALID_REQUEST,
            JsonRpcError.of(JsonRpcErrorCodes.INVALID_PARAMS, "Invalid params: unknown cursor"), request.id()));
      }
    } else {
      cursors = new LinkedHashMap<>();
      for (var entry : session.upstreams().entrySet()) {
        if (entry.getValue().initializeResult().path("capabilities").has(kind.capability)) {
          cursors.put(entry.getKey(), null);
        }
      }
    }
    Map<String, Future<JsonRpcResponse>> pages = new LinkedHashMap<>();
    for (String backend : backends.names()) {
      UpstreamSession upstream = session.upstream(backend);
      if (cursors.containsKey(backend) && upstream != null) {
        pages.put(backend, page(backend, upstream, request, params, cursors.get(backend)));
      }
    }
    return Future.join(new ArrayList<>(pages.values())).transform(done -> {
      return Future.succeededFuture(Replies.of(vertx, merge(kind, request, pages)));
    });
  }

  /** One backend's page, or a failed future when it errs or does not answer within the list timeout. */
  private Future<JsonRpcResponse> page(String backend, UpstreamSession upstream, JsonRpcRequest request, ObjectNode params,
      String cursor) {
    ObjectNode upstreamParams = params.deepCopy();
    upstreamParams.remove("cursor");
    if (cursor != null) {
      upstreamParams.put("cursor", cursor);
    }
    Promise<JsonRpcResponse> answered = Promise.promise();
    long timeout = backends.routing().listTimeout().toMillis();
    Reply[] pending = {null};
    long timer = vertx.setTimer(timeout, t -> {
      if (answered.tryFail("no answer within " + timeout + " ms")) {
        backends.metrics().listTimedOut(backend, request.method());
        LOG.warn("{}: backend '{}' did not answer within {} ms; its items are left out", request.method(), backend, timeout);
        if (pending[0] != null) {
          pending[0].abandon().run();
        }
      }
    });
    upstream.request(new JsonRpcRequest(request.id(), request.method(), upstreamParams))
        .compose(reply -> {
          pending[0] = reply;
          return Replies.response(reply);
        })
        .onComplete(r -> {
          vertx.cancelTimer(timer);
          if (r.succeeded() && !r.result().isError() && r.result().result().isObject()) {
            answered.tryComplete(r.result());
          } else if (answered.tryFail(r.succeeded() ? "answered with an error" : r.cause().getMessage())) {
            boolean unsupported = r.succeeded() && r.result().isError()
                && r.result().error().code() == io.portcullis.mcp.JsonRpcErrorCodes.METHOD_NOT_FOUND;
            String why = r.succeeded() ? (r.result().isError() ? r.result().error().message() : "not a list") : r.cause().getMessage();
            if (unsupported) {
              LOG.debug("{}: backend '{}' does not offer it", request.method(), backend);
            } else {
              LOG.warn("{}: backend '{}' left out: {}", request.method(), backend, why);
            }
          }
        });
    return answered.future();
  }

  private JsonRpcResponse merge(Kind kind, JsonRpcRequest request, Map<String, Future<JsonRpcResponse>> pages) {
    Mounts mounts = backends.mounts();
    ObjectNode result = JsonRpcCodec.object();
    ArrayNode items = result.putArray(kind.field);
    Map<String, String> next = new LinkedHashMap<>();
    pages.forEach((backend, page) -> {
      if (page.failed()) {
        return;
      }
      JsonNode answer = page.result().result();
      answer.path(kind.field).forEach(item -> {
        String upstreamName = item.path(kind.key).asText(null);
        if (upstreamName == null || !item.isObject()) {
          return;
        }
        boolean reachable = kind.isUri ? mounts.uriReachable(backend, upstreamName) : mounts.reachable(backend, upstreamName);
        if (!reachable) {
          LOG.warn("{}: backend '{}' item '{}' is hidden: its name reads as another backend's", request.method(), backend, upstreamName);
          return;
        }
        ObjectNode copy = ((ObjectNode) item).deepCopy();
        copy.put(kind.key, kind.isUri ? mounts.exposeUri(backend, upstreamName) : mounts.exposeName(backend, upstreamName));
        items.add(copy);
      });
      if (answer.path("nextCursor").isTextual()) {
        next.put(backend, answer.get("nextCursor").asText());
      }
    });
    if (!next.isEmpty()) {
      result.put("nextCursor", encodeCursor(next));
    }
    return JsonRpcResponse.success(request.id(), result);
  }

  static String encodeCursor(Map<String, String> cursors) {
    ObjectNode node = JsonRpcCodec.object();
    cursors.forEach(node::put);
    return CURSOR_PREFIX + Base64.getUrlEncoder().withoutPadding()
        .encodeToString(node.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Each backend's cursor inside a gateway cursor, or null if the gateway did not issue it. */
  private Map<String, String> decodeCursor(JsonNode cursor) {
    if (!cursor.isTextual() || !cursor.asText().startsWith(CURSOR_PREFIX)) {
      return null;
    }
    try {
      byte[] json = Base64.getUrlDecoder().decode(cursor.asText().substring(CURSOR_PREFIX.length()));
      JsonNode node = JsonRpcCodec.mapper().readTree(json);
      if (node == null || !node.isObject() || node.isEmpty()) {
        return null;
      }
      Map<String, String> cursors = new LinkedHashMap<>();
      for (var it = node.fields(); it.hasNext(); ) {
        var field = it.next();
        if (!field.getValue().isTextual() || !backends.names().contains(field.getKey())) {
          return null;
        }
        cursors.put(field.getKey(), field.getValue().asText());
      }
      return cursors;
    } catch (Exception e) {
      return null;
    }
  }

  /** The four lists: the capability that offers each, its items' field, and the key that names an item. */
  private enum Kind {
    TOOLS("tools", "tools", "name", false),
    PROMPTS("prompts", "prompts", "name", false),
    RESOURCES("resources", "resources", "uri", true),
    TEMPLATES("resources", "resourceTemplates", "uriTemplate", true);

    final String capability;
    final String field;
    final String key;
    final boolean isUri;

    Kind(String capability, String field, String key, boolean isUri) {
      this.capability = capability;
      this.field = field;
      this.key = key;
      this.isUri = isUri;
    }

    static Kind of(String method) {
      return switch (method) {
        case "tools/list" -> TOOLS;
        case "prompts/list" -> PROMPTS;
        case "resources/list" -> RESOURCES;
        default -> TEMPLATES;
      };
    }
  }
}
