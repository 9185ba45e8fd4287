package io.portcullis.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.auth.Principal;
import io.portcullis.mcp.JsonRpcCodec;
import io.portcullis.mcp.JsonRpcError;
import io.portcullis.mcp.JsonRpcErrorCodes;
import io.portcullis.mcp.JsonRpcRequest;
import io.portcullis.mcp.JsonRpcResponse;
import io.portcullis.pipeline.Failure;
import io.portcullis.pipeline.GatewayException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Keeps each MCP task to the caller that created it, as the tasks specification requires of a
 * receiver that knows its requestors' authorization context: a backend cannot (one stdio process
 * serves every session, and sees no caller), so the gateway does. The owner of a task is learned
 * from the backend's CreateTaskResult; {@code tasks/get}, {@code tasks/result} and
 * {@code tasks/cancel} for a task the caller did not create are answered exactly like an unknown
 * task id and never reach the backend; a {@code tasks/list} answer keeps only the caller's tasks.
 *
 * <p>A task belongs to a caller (provider, issuer, subject), not to the session that created it:
 * the caller is the authorization context, and a client that comes back in a new session (its
 * old one expired while a long task ran) must still be able to fetch the result.
 */
final class TaskAccess {
  static final String RELATED_TASK = "io.modelcontextprotocol/related-task";
  private static final Set<String> BY_TASK_ID = Set.of("tasks/get", "tasks/result", "tasks/cancel");

  private final Vertx vertx;
  private final TaskOwners owners;

  TaskAccess(Vertx vertx, TaskOwners owners) {
    this.vertx = vertx;
    this.owners = owners;
  }

  /**
   * Sends {@code request} from {@code caller} to {@code backend} with {@code forward}, unless it
   * names a task the caller did not create (by its taskId, or as its related task). The future
   * completes with the reply to relay (a task list cut to the caller's tasks, a created task
   * recorded as the caller's), or fails with the -32602 an unknown task id gets.
   */
  Future<Reply> send(Principal caller, String backend, JsonRpcRequest request, Supplier<Future<Reply>> forward) {
    ObjectNode params = request.params() == null ? JsonRpcCodec.object() : request.params();
    // A request that names a task in its metadata joins that task's message queue at the backend
    // (its answer and notifications are delivered through the task's tasks/result stream).
    String related = relatedTask(params);
    if (related != null && !owners.belongsTo(backend, related, caller)) {
      return Future.failedFuture(unknownTask(request));
    }
    if (BY_TASK_ID.contains(request.method())) {
      JsonNode taskId = params.get("taskId");
      if (taskId == null || !taskId.isTextual() || !owners.belongsTo(backend, taskId.asText(), caller)) {
        return Future.failedFuture(unknownTask(request));
      }
      return forward.get();
    }
    if ("tasks/list".equals(request.method())) {
      return forward.get().map(reply -> Replies.rewritingResponse(vertx, reply,
          response -> Future.succeededFuture(onlyTasksOf(caller, backend, response))));
    }
    if (params.get("task") instanceof ObjectNode) {
      return forward.get().map(reply -> Replies.rewritingResponse(vertx, reply, response -> {
        learnOwner(caller, backend, response);
        return Future.succeededFuture(response);
      }));
    }
    return forward.get();
  }

  private static GatewayException unknownTask(JsonRpcRequest request) {
    return GatewayException.jsonRpc(Failure.UNKNOWN_TARGET,
        JsonRpcError.of(JsonRpcErrorCodes.INVALID_PARAMS, "Failed to retrieve task: Task not found"), request.id());
  }

  /** The task id a message names in its related-task metadata, or null. */
  static String relatedTask(JsonNode params) {
    JsonNode taskId = params == null ? null : params.path("_meta").path(RELATED_TASK).get("taskId");
    return taskId != null && taskId.isTextual() ? taskId.asText() : null;
  }

  private void learnOwner(Principal caller, String backend, JsonRpcResponse response) {
    JsonNode task = response.isError() ? null : response.result().get("task");
    if (task != null && task.path("taskId").isTextual()) {
      JsonNode ttl = task.get("ttl");
      owners.record(backend, task.get("taskId").asText(), caller, ttl != null && ttl.canConvertToLong() ? ttl.asLong() : null);
    }
  }

  private JsonRpcResponse onlyTasksOf(Principal caller, String backend, JsonRpcResponse response) {
    if (response.isError() || !(response.result() instanceof ObjectNode result) || !(result.get("tasks") instanceof ArrayNode tasks)) {
      return response;
    }
    ArrayNode mine = JsonRpcCodec.object().arrayNode();
    for (JsonNode task : tasks) {
      if (task.path("taskId").isTextual() && owners.belongsTo(backend, task.get("taskId").asText(), caller)) {
        mine.add(task);
      }
    }
    ObjectNode filtered = result.deepCopy();
    filtered.set("tasks", mine);
    return JsonRpcResponse.success(response.id(), filtered);
  }
}
