package io.portcullis.testing;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Raw HTTP to a gateway's /mcp for tests that need exact control of headers and bodies (the SDK
 * clients are used where a well-behaved client is the point). JDK HttpClient; blocking is fine
 * on a test thread.
 */
public final class McpHttp {
  public static final String BOTH = "application/json, text/event-stream";
  // HTTP/1.1 as MCP clients speak it (and a forged Host header means something there).
  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  private final String url;

  public McpHttp(String url) {
    this.url = url;
  }

  /** A request builder with the headers a well-behaved client sends; tests change what they test. */
  public Request post(String body) {
    return new Request("POST", body).header("Content-Type", "application/json").header("Accept", BOTH);
  }

  public Request method(String method) {
    return new Request(method, null);
  }

  public static String initializeBody(Object id) {
    return initializeBody(id, "2025-11-25");
  }

  /** An initialize asking for protocol {@code version}. */
  public static String initializeBody(Object id, String version) {
    return """
        {"jsonrpc":"2.0","id":%s,"method":"initialize","params":{"protocolVersion":"%s","capabilities":{},
         "clientInfo":{"name":"test","version":"1"}}}""".formatted(id instanceof String s ? "\"" + s + "\"" : id, version);
  }

  /** Initializes a session and sends notifications/initialized; returns the session id. */
  public String openSession() throws Exception {
    return openSessionAt("2025-11-25");
  }

  /**
   * Opens a session asking for protocol {@code version}, as a client of that version does: one of
   * 2025-03-26 sends no MCP-Protocol-Version header (it came with 2025-06-18).
   */
  public String openSessionAt(String version) throws Exception {
    String header = "2025-03-26".equals(version) ? null : version;
    HttpResponse<String> init = post(initializeBody(1, version)).header("MCP-Protocol-Version", header).send();
    if (init.statusCode() != 200) {
      throw new AssertionError("initialize answered " + init.statusCode() + ": " + init.body());
    }
    String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
    post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}").session(session).header("MCP-Protocol-Version", header)
        .send();
    return session;
  }

  /** One request under construction. */
  public final class Request {
    private final String method;
    private final String body;
    private final Map<String, String> headers = new LinkedHashMap<>();

    private Request(String method, String body) {
      this.method = method;
      this.body = body;
      headers.put("MCP-Protocol-Version", "2025-11-25");
    }

    public Request header(String name, String value) {
      if (value == null) {
        headers.remove(name);
      } else {
        headers.put(name, value);
      }
      return this;
    }

    public Request session(String id) {
      return header("Mcp-Session-Id", id);
    }

    public HttpResponse<String> send() throws Exception {
      return CLIENT.send(build(), HttpResponse.BodyHandlers.ofString());
    }

    public <T> HttpResponse<T> send(HttpResponse.BodyHandler<T> handler) throws Exception {
      return CLIENT.send(build(), handler);
    }

    /**
     * Sends the request on a connection of its own and closes it as soon as the first SSE event's
     * data has arrived, as a client that goes away mid-answer; returns that {@code data:} line.
     */
    public String leaveAfterFirstEvent() throws Exception {
      URI uri = URI.create(url);
      byte[] bytes = (body == null ? "" : body).getBytes(StandardCharsets.UTF_8);
      StringBuilder head = new StringBuilder(method + " " + uri.getPath() + " HTTP/1.1\r\nHost: " + uri.getHost()
          + "\r\nContent-Length: " + bytes.length + "\r\n");
      headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
      try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
        socket.setSoTimeout(30_000);
        OutputStream out = socket.getOutputStream();
        out.write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          if (line.startsWith("data: ")) {
            return line;
          }
        }
        throw new AssertionError("the answer ended before its first event");
      }
    }

    private HttpRequest build() {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
      headers.forEach(b::header);
      return b.build();
    }
  }
}
