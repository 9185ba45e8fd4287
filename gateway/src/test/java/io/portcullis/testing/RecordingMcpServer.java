package io.portcullis.testing;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal Streamable HTTP MCP server on loopback that records every HTTP request it receives:
 * the stand-in for "some MCP server outside the project" when a test must know exactly what
 * reached the backend. Tools: {@code echo} (answers {@code text} after {@code delayMs}, as JSON),
 * {@code countdown} (answers as SSE: {@code steps} progress notifications, then the result), and
 * {@code crash} (starts an SSE answer with one progress notification, then drops the connection).
 * GET opens an SSE stream; {@link #pushToStreams} sends on every open one.
 */
public final class RecordingMcpServer implements AutoCloseable {
  /** One HTTP request as the backend saw it; {@code body} is null without one. */
  public record Received(HttpMethod method, MultiMap headers, JsonObject body) {
  }

  private final Vertx vertx = Vertx.vertx();
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final List<HttpServerResponse> streams = new CopyOnWriteArrayList<>();
  private final AtomicInteger sessions = new AtomicInteger();
  private HttpServer server;

  public static RecordingMcpServer start() throws Exception {
    RecordingMcpServer s = new RecordingMcpServer();
    s.server = s.vertx.createHttpServer().requestHandler(s::handle).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return s;
  }

  public String url() {
    return "http://127.0.0.1:" + server.actualPort() + "/mcp";
  }

  public List<Received> received() {
    return List.copyOf(received);
  }

  /** The JSON-RPC methods received so far, in order (responses appear as "response"). */
  public List<String> methods() {
    return received.stream().filter(r -> r.body() != null)
        .map(r -> r.body().getString("method", "response")).toList();
  }

  public void reset() {
    received.clear();
  }

  /** Sends a JSON-RPC message on every open GET stream. */
  public void pushToStreams(JsonObject message, String eventId) {
    vertx.runOnContext(v -> streams.forEach(s -> s.write((eventId == null ? "" : "id: " + eventId + "\n")
        + "event: message\ndata: " + message.encode() + "\n\n")));
  }

  public int openStreams() {
    return (int) streams.stream().filter(s -> !s.closed()).count();
  }

  private void handle(HttpServerRequest request) {
    if (request.method() == HttpMethod.GET) {
      received.add(new Received(HttpMethod.GET, MultiMap.caseInsensitiveMultiMap().addAll(request.headers()), null));
      HttpServerResponse response = request.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
      response.write(": open\n\n");
      streams.add(response);
      response.closeHandler(v -> streams.remove(response));
      return;
    }
    request.body().onSuccess(bytes -> {
      JsonObject body = bytes.length() == 0 ? null : new JsonObject(bytes);
      received.add(new Received(request.method(), MultiMap.caseInsensitiveMultiMap().addAll(request.headers()), body));
      if (request.method() == HttpMethod.DELETE) {
        request.response().end();
      } else if (body == null || !body.containsKey("id") || !body.containsKey("method")) {
        request.response().setStatusCode(202).end();
      } else {
        answer(body, request.response());
      }
    });
  }

  private void answer(JsonObject request, HttpServerResponse response) {
    Object id = request.getValue("id");
    JsonObject params = request.getJsonObject("params", new JsonObject());
    switch (request.getString("method")) {
      case "initialize" -> {
        response.putHeader("Mcp-Session-Id", "upstream-" + sessions.incrementAndGet());
        json(response, id, new JsonObject()
            .put("protocolVersion", params.getString("protocolVersion"))
            .put("capabilities", new JsonObject().put("tools", new JsonObject()))
            .put("serverInfo", new JsonObject().put("name", "recording").put("version", "1")));
      }
      case "tools/list" -> json(response, id, new JsonObject().put("tools", new JsonArray()
          .add(new JsonObject().put("name", "echo").put("inputSchema", new JsonObject().put("type", "object")))
          .add(new JsonObject().put("name", "countdown").put("inputSchema", new JsonObject().put("type", "object")))
          .add(new JsonObject().put("name", "crash").put("inputSchema", new JsonObject().put("type", "object")))));
      case "tools/call" -> callTool(id, params, response);
      default -> response.putHeader("Content-Type", "application/json").end(new JsonObject().put("jsonrpc", "2.0").put("id", id)
          .put("error", new JsonObject().put("code", -32601).put("message", "Method not found")).encode());
    }
  }

  private void callTool(Object id, JsonObject params, HttpServerResponse response) {
    JsonObject args = params.getJsonObject("arguments", new JsonObject());
    if ("crash".equals(params.getString("name"))) {
      Object token = params.getJsonObject("_meta", new JsonObject()).getValue("progressToken");
      response.setChunked(true).putHeader("Content-Type", "text/event-stream");
      response.write("event: message\ndata: " + new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/progress")
          .put("params", new JsonObject().put("progressToken", token).put("progress", 1)).encode() + "\n\n");
      vertx.setTimer(50, t -> response.reset());
      return;
    }
    if ("countdown".equals(params.getString("name"))) {
      Object token = params.getJsonObject("_meta", new JsonObject()).getValue("progressToken");
      response.setChunked(true).putHeader("Content-Type", "text/event-stream");
      int steps = args.getInteger("steps", 3);
      for (int i = 1; i <= steps; i++) {
        response.write("event: message\ndata: " + new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/progress")
            .put("params", new JsonObject().put("progressToken", token).put("progress", i).put("total", steps)).encode() + "\n\n");
      }
      response.end("event: message\ndata: " + result(id, "done").encode() + "\n\n");
      return;
    }
    long delay = args.getLong("delayMs", 0L);
    Runnable send = () -> response.putHeader("Content-Type", "application/json").end(result(id, args.getString("text", "")).encode());
    if (delay > 0) {
      vertx.setTimer(delay, t -> send.run());
    } else {
      send.run();
    }
  }

  private static JsonObject result(Object id, String text) {
    return new JsonObject().put("jsonrpc", "2.0").put("id", id).put("result", new JsonObject()
        .put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", text))));
  }

  private static void json(HttpServerResponse response, Object id, JsonObject result) {
    response.putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("jsonrpc", "2.0").put("id", id).put("result", result).encode());
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
