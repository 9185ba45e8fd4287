package io.portcullis.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real MCP peers the tests talk to, installed by the build from gateway/src/test/node
 * (pinned in its package-lock.json): Node 22, the TypeScript SDK client script, server-everything
 * and the conformance suite.
 */
public final class TestPeers {
  private TestPeers() {
  }

  public static Path folder() {
    return Path.of(System.getProperty("portcullis.testPeers", "src/test/node")).toAbsolutePath();
  }

  public static String node() {
    return folder().resolve("node_modules/.bin/node").toString();
  }

  public static String script(String name) {
    return folder().resolve(name).toString();
  }

  /** The command that runs server-everything over stdio. */
  public static List<String> serverEverythingStdio() {
    return List.of(node(), folder().resolve("node_modules/@modelcontextprotocol/server-everything/dist/index.js").toString(), "stdio");
  }

  /** The Python of the test peers' virtualenv (the Python SDK, pinned in src/test/python/requirements.txt). */
  public static String python() {
    String python = System.getProperty("portcullis.python");
    if (python == null || !java.nio.file.Files.isExecutable(Path.of(python))) {
      throw new IllegalStateException("portcullis.python is not set or not executable: run the tests through Maven,"
          + " which creates src/test/python/.venv");
    }
    return python;
  }

  /** The path of a Python test peer script. */
  public static String pythonScript(String name) {
    return folder().resolveSibling("python").resolve(name).toString();
  }

  /** The command that runs one of the npm MCP servers installed for the tests (its bin name), with arguments. */
  public static List<String> npmServer(String bin, String... args) {
    List<String> command = new java.util.ArrayList<>(List.of(node(), folder().resolve("node_modules/.bin/" + bin).toString()));
    command.addAll(List.of(args));
    return command;
  }

  /** The command that runs one of the test peer scripts with Node 22, with arguments. */
  public static List<String> nodeScript(String name, String... args) {
    List<String> command = new java.util.ArrayList<>(List.of(node(), script(name)));
    command.addAll(List.of(args));
    return command;
  }

  /** A YAML flow sequence of a command, each element quoted. */
  public static String yamlList(List<String> command) {
    return command.stream().map(s -> "\"" + s + "\"").collect(java.util.stream.Collectors.joining(", ", "[", "]"));
  }

  /**
   * Starts server-everything in Streamable HTTP mode on {@code port} (it serves /mcp) and returns
   * once it says it is listening.
   */
  public static Process serverEverythingHttp(int port) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(node(),
        folder().resolve("node_modules/@modelcontextprotocol/server-everything/dist/index.js").toString(), "streamableHttp");
    builder.environment().put("PORT", Integer.toString(port));
    builder.redirectErrorStream(true);
    return awaitLine(builder.start(), "listening on port");
  }

  /**
   * Like {@link #serverEverythingHttp(int)}, and every line the server prints (stdout and stderr:
   * "Session initialized with ID: ..." for each initialize it accepts) is added to {@code output}.
   */
  public static Process serverEverythingHttp(int port, List<String> output) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(node(),
        folder().resolve("node_modules/@modelcontextprotocol/server-everything/dist/index.js").toString(), "streamableHttp");
    builder.environment().put("PORT", Integer.toString(port));
    builder.redirectErrorStream(true);
    return awaitLine(builder.start(), "listening on port", output::add);
  }

  /**
   * Starts the conformance fixture server on the given port (so that it can be started again on
   * the same one); returns the process once it has printed {@code LISTENING <port>}.
   */
  public static Process conformanceServer(int port) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(node(), script("conformance-server.mjs"), "--port", Integer.toString(port));
    builder.redirectError(ProcessBuilder.Redirect.DISCARD);
    return awaitLine(builder.start(), "LISTENING");
  }

  /**
   * Starts the conformance fixture server (the server the conformance scenarios expect) on a free
   * port; returns the process once it has printed {@code LISTENING <port>}.
   */
  public static Process conformanceServer() throws Exception {
    ProcessBuilder builder = new ProcessBuilder(node(), script("conformance-server.mjs"), "--port", "0");
    builder.redirectError(ProcessBuilder.Redirect.DISCARD);
    return awaitLine(builder.start(), "LISTENING");
  }

  /**
   * Starts policy-server.mjs (the SDK's McpServer over Streamable HTTP, stateless) on a free port;
   * returns the process once it listens ({@link #portOf} gives the port). Every JSON-RPC message it
   * receives is added to {@code received}, as JSON text.
   */
  public static Process policyServer(List<String> received) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(node(), script("policy-server.mjs"));
    builder.redirectError(ProcessBuilder.Redirect.DISCARD);
    return awaitLine(builder.start(), "LISTENING", line -> {
      if (line.startsWith("RECEIVED ")) {
        received.add(line.substring("RECEIVED ".length()));
      }
    });
  }

  /** The port a started conformance server printed. */
  public static int portOf(Process process) {
    return Integer.parseInt(LINES.get(process).replaceAll(".*LISTENING (\\d+).*", "$1"));
  }

  private static final Map<Process, String> LINES = new java.util.concurrent.ConcurrentHashMap<>();

  /** Reads a process's output until a line contains {@code marker}; the rest is drained in the background. */
  private static Process awaitLine(Process process, String marker) throws Exception {
    return awaitLine(process, marker, line -> { });
  }

  /** Like {@link #awaitLine(Process, String)}, handing every line to {@code lines} too. */
  private static Process awaitLine(Process process, String marker, java.util.function.Consumer<String> lines) throws Exception {
    var reader = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    var found = new java.util.concurrent.CompletableFuture<String>();
    Thread pump = new Thread(() -> {
      try {
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
          lines.accept(line);
          if (!found.isDone() && line.contains(marker)) {
            found.complete(line);
          }
        }
        found.completeExceptionally(new AssertionError("the process ended before printing '" + marker + "'"));
      } catch (IOException e) {
        found.completeExceptionally(e);
      }
    }, "peer-output");
    pump.setDaemon(true);
    pump.start();
    try {
      LINES.put(process, found.get(30, TimeUnit.SECONDS));
      return process;
    } catch (Exception e) {
      process.destroyForcibly();
      throw e;
    }
  }

  /** What a finished process printed. */
  public record Output(int exitCode, String stdout, String stderr) {
    /** The last non-empty line of stdout: where the scripts print their JSON result. */
    public String lastLine() {
      String[] lines = stdout.strip().split("\n");
      return lines[lines.length - 1];
    }
  }

  /** Runs a command to completion (bounded by {@code timeoutSeconds}) and returns its output. */
  public static Output run(List<String> command, Map<String, String> env, long timeoutSeconds) throws Exception {
    Path out = Files.createTempFile("peer", ".out");
    Path err = Files.createTempFile("peer", ".err");
    ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command)).directory(folder().toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    builder.environment().putAll(env);
    Process process = builder.start();
    try {
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        throw new AssertionError(command + " did not finish within " + timeoutSeconds + " s; stderr:\n"
            + Files.readString(err, StandardCharsets.UTF_8));
      }
      return new Output(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** A free loopback port, for peers that cannot bind port 0 and report it. */
  public static int freePort() throws IOException {
    try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
