import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The MCP server the class-archive training start talks to (build/class-archive.sh), so that the
 * archive holds the classes of a whole tool call, answer included. Just enough of Streamable HTTP:
 * initialize (with a session id), notifications (202), tools/list with one {@code echo} tool,
 * tools/call answering its text, DELETE. Run with the JDK's source launcher:
 * {@code java build/TrainingBackend.java}; prints its loopback port, then serves until killed.
 */
public final class TrainingBackend {
  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*(\"[^\"]*\"|-?\\d+)");
  private static final Pattern METHOD = Pattern.compile("\"method\"\\s*:\\s*\"([^\"]+)\"");

  public static void main(String[] args) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/mcp", TrainingBackend::handle);
    server.start();
    System.out.println(server.getAddress().getPort());
    System.out.flush();
  }

  private static void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      if (!exchange.getRequestMethod().equals("POST")) {
        exchange.sendResponseHeaders(exchange.getRequestMethod().equals("DELETE") ? 200 : 405, -1);
        return;
      }
      Matcher method = METHOD.matcher(body);
      Matcher id = ID.matcher(body);
      if (!method.find() || !id.find()) {
        exchange.sendResponseHeaders(202, -1);
        return;
      }
      String result = switch (method.group(1)) {
        case "initialize" -> "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{\"tools\":{}},"
            + "\"serverInfo\":{\"name\":\"training\",\"version\":\"1\"}}";
        case "tools/list" -> "{\"tools\":[{\"name\":\"echo\",\"description\":\"Echoes its text.\","
            + "\"inputSchema\":{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}}},"
            + "\"annotations\":{\"readOnlyHint\":true}}]}";
        case "tools/call" -> "{\"content\":[{\"type\":\"text\",\"text\":\"hello\"}]}";
        default -> "{}";
      };
      if (method.group(1).equals("initialize")) {
        exchange.getResponseHeaders().add("Mcp-Session-Id", "training-session");
      }
      byte[] answer = ("{\"jsonrpc\":\"2.0\",\"id\":" + id.group(1) + ",\"result\":" + result + "}")
          .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, answer.length);
      exchange.getResponseBody().write(answer);
    }
  }
}
