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
import java.util.function.Predicate;

/**
 * A minimal Streamable HTTP MCP server on loopback that records every HTTP request it receives:
 * the stand-in for "some MCP server outside the project" when a test must know exactly what
 * reached the backend. Tools: {@code echo} (answers {@code text} after {@code delayMs}, as JSON),
 * {@code countdown} (answers as SSE: {@code steps} progress notifications, then the result, after
 * {@code delayMs} if given; with {@code batch: true}, all of them in one event, with id
 * {@code batch-<request id>}, whose data is a JSON-RPC batch, as a 2025-03-26 server may send), and
 * {@code crash} (starts an SSE answer with one progress notification, then drops the connection),
 * and {@code stall} (starts an SSE answer with one progress notification, then sends nothing).
 * For policy tests, tools that answer like {@code echo} and carry MCP annotations: {@code lookup}
 * (readOnlyHint true: read), {@code annotate} and {@code refund} (readOnlyHint false,
 * destructiveHint false: write), {@code purge} and {@code inspect} (no annotations: destructive by
 * the specification's defaults). Resources {@value #README_URI} and {@value #VAULT_URI} (any other
 * URI is -32002 Resource not found), prompts {@code greeting} and {@code internal-review} (any
 * other name is -32602 Unknown prompt), and completion/complete of any argument of those (two
 * values, {@code <value>-one} and {@code <value>-two}; an unknown ref is answered as reading or
 * getting it is). GET opens an SSE stream (unless {@link #offerStreams} says otherwise);
 * {@link #pushToStreams} sends on every open one. {@link #admitOnly} makes it a protected resource that answers 401 to requests
 * whose headers it does not accept.
 */
public final class RecordingMcpServer implements AutoCloseable {
  /** One HTTP request as the backend saw it; {@code body} is null without one. */
  public record Received(HttpMethod method, MultiMap headers, JsonObject body) {
  }

  public static final String README_URI = "file:///notes/readme.md";
  public static final String VAULT_URI = "secret://vault/key";
  private static final List<String> PROMPTS = List.of("greeting", "internal-review");

  private final Vertx vertx = Vertx.vertx();
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final List<String> rawBodies = new CopyOnWriteArrayList<>();
  private final List<HttpServerResponse> streams = new CopyOnWriteArrayList<>();
  private final List<Received> refused = new CopyOnWriteArrayList<>();
  private final List<HttpServerResponse> stalled = new CopyOnWriteArrayList<>();
  private volatile Predicate<MultiMap> admits = headers -> true;
  private volatile boolean offersStreams = true;
  private final AtomicInteger sessions = new AtomicInteger();
  private final AtomicInteger countdownsCut = new AtomicInteger();
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

  /** The exact text of every non-empty request body received so far, in order: the bytes as sent, not a reading of them. */
  public List<String> rawBodies() {
    return List.copyOf(rawBodies);
  }

  /**
   * From now on, a request whose headers {@code admits} rejects is answered 401 with
   * {@code WWW-Authenticate: Bearer error="invalid_token"} and not otherwise processed; it is
   * still recorded, in {@link #received()} and in {@link #refused()}. The predicate runs on the
   * server's event loop, once per request, as the request arrives.
   */
  public void admitOnly(Predicate<MultiMap> admits) {
    this.admits = admits;
  }

  /** Whether a GET opens a stream (the default) or is answered 405, as by a server that offers none. */
  public void offerStreams(boolean offers) {
    this.offersStreams = offers;
  }

  /** The requests answered 401 because {@link #admitOnly} rejected their headers, in order. */
  public List<Received> refused() {
    return List.copyOf(refused);
  }

  public void reset() {
    received.clear();
    rawBodies.clear();
    refused.clear();
  }

  /** Sends a JSON-RPC message on every open GET stream. */
  public void pushToStreams(JsonObject message, String eventId) {
    vertx.runOnContext(v -> streams.forEach(s -> s.write((eventId == null ? "" : "id: " + eventId + "\n")
        + "event: message\ndata: " + message.encode() + "\n\n")));
  }

  /** How many {@code stall} answers are still open (the gateway has not given up on them). */
  public int openStalledAnswers() {
    return (int) stalled.stream().filter(s -> !s.closed()).count();
  }

  /** How many {@code countdown} answers with a {@code delayMs} the gateway closed before their result. */
  public int countdownsCut() {
    return countdownsCut.get();
  }

  public int openStreams() {
    return (int) streams.stream().filter(s -> !s.closed()).count();
  }

  private void handle(HttpServerRequest request) {
    if (request.method() == HttpMethod.GET) {
      Received get = new Received(HttpMethod.GET, MultiMap.caseInsensitiveMultiMap().addAll(request.headers()), null);
      received.add(get);
      if (refuse(get, request.response())) {
        return;
      }
      if (!offersStreams) {
        request.response().setStatusCode(405).putHeader("Allow", "POST, DELETE").end();
        return;
      }
      HttpServerResponse response = request.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
      response.write(": open\n\n");
      streams.add(response);
      response.closeHandler(v -> streams.remove(response));
      return;
    }
    request.body().onSuccess(bytes -> {
      if (bytes.length() > 0) {
        rawBodies.add(bytes.toString(java.nio.charset.StandardCharsets.UTF_8));
      }
      JsonObject body = bytes.length() == 0 ? null : new JsonObject(bytes);
      Received arrived = new Received(request.method(), MultiMap.caseInsensitiveMultiMap().addAll(request.headers()), body);
      received.add(arrived);
      if (refuse(arrived, request.response())) {
        return;
      }
      if (request.method() == HttpMethod.DELETE) {
        request.response().end();
      } else if (body == null || !body.containsKey("id") || !body.containsKey("method")) {
        request.response().setStatusCode(202).end();
      } else {
        answer(body, request.response());
      }
    });
  }

  /** Answers 401 and returns true if {@link #admitOnly} rejects the request's headers. */
  private boolean refuse(Received request, HttpServerResponse response) {
    if (admits.test(request.headers())) {
      return false;
    }
    refused.add(request);
    response.setStatusCode(401).putHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"")
        .putHeader("Content-Type", "application/json").end("{\"error\":\"invalid_token\"}");
    return true;
  }

  private void answer(JsonObject request, HttpServerResponse response) {
    Object id = request.getValue("id");
    JsonObject params = request.getJsonObject("params", new JsonObject());
    switch (request.getString("method")) {
      case "initialize" -> {
        response.putHeader("Mcp-Session-Id", "upstream-" + sessions.incrementAndGet());
        json(response, id, new JsonObject()
            .put("protocolVersion", params.getString("protocolVersion"))
            .put("capabilities", new JsonObject().put("tools", new JsonObject())
                .put("resources", new JsonObject()).put("prompts", new JsonObject()))
            .put("serverInfo", new JsonObject().put("name", "recording").put("version", "1")));
      }
      case "tools/list" -> json(response, id, new JsonObject().put("tools", new JsonArray()
          .add(new JsonObject().put("name", "echo").put("inputSchema", new JsonObject().put("type", "object")))
          .add(new JsonObject().put("name", "countdown").put("inputSchema", new JsonObject().put("type", "object")))
          .add(new JsonObject().put("name", "crash").put("inputSchema", new JsonObject().put("type", "object")))
          .add(new JsonObject().put("name", "stall").put("inputSchema", new JsonObject().put("type", "object")))
          .add(annotated("lookup", new JsonObject().put("readOnlyHint", true)))
          .add(annotated("annotate", new JsonObject().put("readOnlyHint", false).put("destructiveHint", false)))
          .add(annotated("refund", new JsonObject().put("readOnlyHint", false).put("destructiveHint", false)))
          .add(annotated("purge", null))
          .add(annotated("inspect", null))));
      case "tools/call" -> callTool(id, params, response);
      case "resources/list" -> json(response, id, new JsonObject().put("resources", new JsonArray()
          .add(new JsonObject().put("uri", README_URI).put("name", "readme").put("mimeType", "text/plain"))
          .add(new JsonObject().put("uri", VAULT_URI).put("name", "vault-key").put("mimeType", "text/plain"))));
      case "resources/read" -> readResource(id, params.getString("uri", ""), response);
      case "prompts/list" -> json(response, id, new JsonObject().put("prompts", new JsonArray(
          PROMPTS.stream().map(name -> new JsonObject().put("name", name)).toList())));
      case "prompts/get" -> getPrompt(id, params.getString("name", ""), response);
      case "completion/complete" -> complete(id, params, response);
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
    if ("stall".equals(params.getString("name"))) {
      Object token = params.getJsonObject("_meta", new JsonObject()).getValue("progressToken");
      response.setChunked(true).putHeader("Content-Type", "text/event-stream");
      response.write("event: message\ndata: " + new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/progress")
          .put("params", new JsonObject().put("progressToken", token).put("progress", 1)).encode() + "\n\n");
      stalled.add(response);
      return;
    }
    if ("countdown".equals(params.getString("name"))) {
      Object token = params.getJsonObject("_meta", new JsonObject()).getValue("progressToken");
      response.setChunked(true).putHeader("Content-Type", "text/event-stream");
      int steps = args.getInteger("steps", 3);
      if (args.getBoolean("batch", false)) {
        JsonArray batch = new JsonArray();
        for (int i = 1; i <= steps; i++) {
          batch.add(new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/progress")
              .put("params", new JsonObject().put("progressToken", token).put("progress", i).put("total", steps)));
        }
        response.end("id: batch-" + id + "\nevent: message\ndata: " + batch.add(result(id, "done")).encode() + "\n\n");
        return;
      }
      for (int i = 1; i <= steps; i++) {
        response.write("event: message\ndata: " + new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/progress")
            .put("params", new JsonObject().put("progressToken", token).put("progress", i).put("total", steps)).encode() + "\n\n");
      }
      String last = "event: message\ndata: " + result(id, "done").encode() + "\n\n";
      long delay = args.getLong("delayMs", 0L);
      if (delay == 0) {
        response.end(last);
        return;
      }
      response.closeHandler(v -> {
        if (!response.ended()) {
          countdownsCut.incrementAndGet();
        }
      });
      vertx.setTimer(delay, t -> {
        if (!response.closed()) {
          response.end(last);
        }
      });
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

  private static JsonObject annotated(String name, JsonObject annotations) {
    JsonObject tool = new JsonObject().put("name", name).put("inputSchema", new JsonObject().put("type", "object"));
    return annotations == null ? tool : tool.put("annotations", annotations);
  }

  private static void readResource(Object id, String uri, HttpServerResponse response) {
    if (!uri.equals(README_URI) && !uri.equals(VAULT_URI)) {
      error(response, id, -32002, "Resource not found: " + uri);
      return;
    }
    json(response, id, new JsonObject().put("contents", new JsonArray()
        .add(new JsonObject().put("uri", uri).put("mimeType", "text/plain").put("text", "contents of " + uri))));
  }

  private static void getPrompt(Object id, String name, HttpServerResponse response) {
    if (!PROMPTS.contains(name)) {
      error(response, id, -32602, "Unknown prompt: " + name);
      return;
    }
    json(response, id, new JsonObject().put("messages", new JsonArray().add(new JsonObject().put("role", "user")
        .put("content", new JsonObject().put("type", "text").put("text", "prompt " + name)))));
  }

  /** Completes any argument of a known prompt or resource with two values; an unknown one is answered as reading it is. */
  private static void complete(Object id, JsonObject params, HttpServerResponse response) {
    JsonObject ref = params.getJsonObject("ref", new JsonObject());
    if ("ref/resource".equals(ref.getString("type")) && !List.of(README_URI, VAULT_URI).contains(ref.getString("uri", ""))) {
      error(response, id, -32002, "Resource not found: " + ref.getString("uri", ""));
    } else if ("ref/prompt".equals(ref.getString("type")) && !PROMPTS.contains(ref.getString("name", ""))) {
      error(response, id, -32602, "Unknown prompt: " + ref.getString("name", ""));
    } else {
      String value = params.getJsonObject("argument", new JsonObject()).getString("value", "");
      json(response, id, new JsonObject().put("completion", new JsonObject()
          .put("values", new JsonArray().add(value + "-one").add(value + "-two")).put("total", 2).put("hasMore", false)));
    }
  }

  private static void error(HttpServerResponse response, Object id, int code, String message) {
    response.putHeader("Content-Type", "application/json").end(new JsonObject().put("jsonrpc", "2.0").put("id", id)
        .put("error", new JsonObject().put("code", code).put("message", message)).encode());
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
