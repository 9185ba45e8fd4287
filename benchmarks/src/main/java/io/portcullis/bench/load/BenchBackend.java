package io.portcullis.bench.load;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A minimal, fast MCP server (Streamable HTTP) for the load harness, so that the backend is never
 * what a measurement measures: {@code initialize}, {@code notifications/initialized},
 * {@code ping}, {@code tools/list} with one {@code echo} tool annotated {@code readOnlyHint: true},
 * and {@code tools/call echo}, which answers the arguments' {@code text} back as JSON, or as one
 * SSE event when the arguments carry {@code "stream": true}. A GET opens an SSE stream that stays
 * silent until the client leaves; DELETE ends a session (sessions are not checked: any id is
 * accepted). The request body is read with Jackson's streaming parser, the answer written with its
 * generator: no tree, a few microseconds per call. {@code GET /jwks} serves the harness's signing
 * key. Runs on its own Vert.x instance, one server per event loop.
 */
final class BenchBackend {
  private static final JsonFactory JSON = new JsonFactory();
  private static final Set<String> VERSIONS = Set.of("2025-11-25", "2025-06-18", "2025-03-26");
  private static final byte[] TOOLS = ("{\"tools\":[{\"name\":\"echo\",\"description\":\"Echoes the text it is given.\","
      + "\"inputSchema\":{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"},\"stream\":{\"type\":\"boolean\"}},"
      + "\"required\":[\"text\"]},\"annotations\":{\"title\":\"Echo\",\"readOnlyHint\":true}}]}").getBytes(StandardCharsets.UTF_8);

  private final Vertx vertx;
  private final int eventLoops;
  private final String jwks;
  private final AtomicInteger openStreams = new AtomicInteger();
  private final AtomicLong calls = new AtomicLong();
  private int port;

  BenchBackend(int eventLoops, String jwks) {
    this.eventLoops = eventLoops;
    this.jwks = jwks;
    this.vertx = Vertx.vertx(new io.vertx.core.VertxOptions().setEventLoopPoolSize(eventLoops).setWorkerPoolSize(1));
  }

  /** Starts listening on a free loopback port; returns it. */
  int start() throws Exception {
    port = Ports.free();
    vertx.deployVerticle(() -> new VerticleBase() {
      @Override
      public Future<?> start() {
        return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port).setIdleTimeout(0)
            .setTcpNoDelay(true)).requestHandler(BenchBackend.this::handle).listen();
      }
    }, new DeploymentOptions().setInstances(eventLoops)).await(20, TimeUnit.SECONDS);
    return port;
  }

  int port() {
    return port;
  }

  /** Server-to-client streams (GET) open right now. */
  int openStreams() {
    return openStreams.get();
  }

  long toolCalls() {
    return calls.get();
  }

  void stop() throws Exception {
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  private void handle(HttpServerRequest request) {
    String path = request.path();
    if (path.equals("/jwks")) {
      request.response().putHeader("Content-Type", "application/json").end(jwks);
      return;
    }
    if (!path.equals("/mcp")) {
      request.response().setStatusCode(404).end();
      return;
    }
    HttpMethod method = request.method();
    if (method == HttpMethod.GET) {
      openStream(request);
    } else if (method == HttpMethod.DELETE) {
      request.response().end();
    } else if (method == HttpMethod.POST) {
      request.body().onSuccess(body -> answer(request, body));
    } else {
      request.response().setStatusCode(405).putHeader("Allow", "GET, POST, DELETE").end();
    }
  }

  private void openStream(HttpServerRequest request) {
    HttpServerResponse response = request.response();
    response.setChunked(true).putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-cache");
    openStreams.incrementAndGet();
    boolean[] closed = {false};
    Runnable gone = () -> {
      if (!closed[0]) {
        closed[0] = true;
        openStreams.decrementAndGet();
      }
    };
    response.closeHandler(v -> gone.run());
    request.connection().closeHandler(v -> gone.run());
    response.writeHead();
  }

  /** What the harness needs of a JSON-RPC message: its id (raw JSON), method, protocol version and echo arguments. */
  private static final class Message {
    String id;
    String method;
    String protocolVersion;
    String text;
    boolean stream;
  }

  private void answer(HttpServerRequest request, Buffer body) {
    Message m;
    try {
      m = read(body.getBytes());
    } catch (IOException | RuntimeException e) {
      request.response().setStatusCode(400).end();
      return;
    }
    HttpServerResponse response = request.response();
    if (m.method != null && m.id == null) {
      response.setStatusCode(202).end();
      return;
    }
    if (m.method == null) {
      response.setStatusCode(202).end();
      return;
    }
    switch (m.method) {
      case "initialize" -> {
        String version = m.protocolVersion != null && VERSIONS.contains(m.protocolVersion) ? m.protocolVersion : "2025-06-18";
        response.putHeader("Mcp-Session-Id", UUID.randomUUID().toString());
        json(response, result(m.id, ("{\"protocolVersion\":\"" + version + "\",\"capabilities\":{\"tools\":{}},"
            + "\"serverInfo\":{\"name\":\"portcullis-bench-backend\",\"version\":\"1\"}}").getBytes(StandardCharsets.UTF_8)));
      }
      case "ping" -> json(response, result(m.id, "{}".getBytes(StandardCharsets.UTF_8)));
      case "tools/list" -> json(response, result(m.id, TOOLS));
      case "tools/call" -> {
        calls.incrementAndGet();
        byte[] answer = echo(m.id, m.text == null ? "" : m.text);
        if (m.stream) {
          Buffer sse = Buffer.buffer(answer.length + 32).appendString("event: message\ndata: ").appendBytes(answer).appendString("\n\n");
          response.putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-cache").end(sse);
        } else {
          json(response, answer);
        }
      }
      default -> json(response, ("{\"jsonrpc\":\"2.0\",\"id\":" + m.id
          + ",\"error\":{\"code\":-32601,\"message\":\"Method not found\"}}").getBytes(StandardCharsets.UTF_8));
    }
  }

  private static void json(HttpServerResponse response, byte[] bytes) {
    response.putHeader("Content-Type", "application/json").end(Buffer.buffer(bytes));
  }

  private static byte[] result(String id, byte[] result) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(result.length + 48);
    out.writeBytes(("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":").getBytes(StandardCharsets.UTF_8));
    out.writeBytes(result);
    out.write('}');
    return out.toByteArray();
  }

  private static byte[] echo(String id, String text) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(text.length() + 128);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("jsonrpc", "2.0");
      g.writeFieldName("id");
      g.writeRawValue(id);
      g.writeObjectFieldStart("result");
      g.writeArrayFieldStart("content");
      g.writeStartObject();
      g.writeStringField("type", "text");
      g.writeStringField("text", text);
      g.writeEndObject();
      g.writeEndArray();
      g.writeBooleanField("isError", false);
      g.writeEndObject();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Reads id, method, params.protocolVersion, params.arguments.text and .stream; skips the rest. */
  private static Message read(byte[] bytes) throws IOException {
    Message m = new Message();
    try (JsonParser p = JSON.createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not an object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "id" -> m.id = value == JsonToken.VALUE_STRING ? quoted(p.getText()) : p.getText();
          case "method" -> m.method = p.getText();
          case "params" -> readParams(p, m);
          default -> p.skipChildren();
        }
      }
    }
    return m;
  }

  private static void readParams(JsonParser p, Message m) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      if (field.equals("protocolVersion") && value == JsonToken.VALUE_STRING) {
        m.protocolVersion = p.getText();
      } else if (field.equals("arguments") && value == JsonToken.START_OBJECT) {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String arg = p.currentName();
          JsonToken v = p.nextToken();
          if (arg.equals("text") && v == JsonToken.VALUE_STRING) {
            m.text = p.getText();
          } else if (arg.equals("stream")) {
            m.stream = v == JsonToken.VALUE_TRUE;
          } else {
            p.skipChildren();
          }
        }
      } else {
        p.skipChildren();
      }
    }
  }

  private static String quoted(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.append('"').toString();
  }
}
