package io.portcullis.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.policy.Decision;
import io.portcullis.policy.OpaBinary;
import io.portcullis.policy.OpaServerPolicyEngine;
import io.portcullis.policy.PolicyEngine;
import io.portcullis.policy.WasmPolicyEngine;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One policy decision for a tools/call with a ~1 KB input document, by both engines side by side:
 * the embedded Wasm engine (in-process, on the caller's thread) and the OPA server engine (a real
 * {@code opa run --server} on loopback, one HTTP round trip). Sample time gives the percentiles
 * (p50, p99). Also a tools/list of 20 items, which each engine decides in one evaluation / one
 * round trip; and a repeated input answered from the embedded engine's decision cache. The
 * policy directory is {@code policies} in the working directory unless
 * {@code -p policyDir=...} says otherwise; the {@code opa} binary is found as the gateway finds it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PolicyBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Param({"policies"})
  public String policyDir;

  private Vertx vertx;
  private Process opa;
  private PolicyEngine embedded;
  private PolicyEngine cached;
  private PolicyEngine server;
  private ObjectNode input;
  private List<ObjectNode> list;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Path policies = Path.of(policyDir).toAbsolutePath();
    Path opaBinary = OpaBinary.locate(null, null);
    vertx = Vertx.vertx();
    embedded = new WasmPolicyEngine(vertx, policies, opaBinary, Duration.ofSeconds(1), false, 0);
    embedded.start().await(120, TimeUnit.SECONDS);
    cached = new WasmPolicyEngine(vertx, policies, opaBinary, Duration.ofSeconds(1), false, 4096);
    cached.start().await(120, TimeUnit.SECONDS);
    int port = freePort();
    opa = new ProcessBuilder(opaBinary.toString(), "run", "--server", "--addr", "127.0.0.1:" + port, "--log-level", "error",
        policies.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    awaitHealthy(port);
    server = new OpaServerPolicyEngine(vertx, "http://127.0.0.1:" + port, 4, Duration.ofSeconds(1));
    server.start().await(10, TimeUnit.SECONDS);
    input = toolsCall("github__create_issue", "write");
    list = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ObjectNode item = toolsCall("github__tool_" + i, i % 3 == 0 ? "read" : i % 3 == 1 ? "write" : "destructive");
      item.put("action", "tools/list");
      item.remove("arguments");
      list.add(item);
    }
    check(decide(embedded, input), decide(server, input));
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    embedded.stop().await(10, TimeUnit.SECONDS);
    cached.stop().await(10, TimeUnit.SECONDS);
    server.stop().await(10, TimeUnit.SECONDS);
    opa.destroy();
    opa.waitFor(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Benchmark
  public Decision embeddedDecide() throws Exception {
    return decide(embedded, input);
  }

  /** The same input again with the decision cache on: what a repeated call costs (input built and serialised, one lookup). */
  @Benchmark
  public Decision embeddedDecideRepeatedInput() throws Exception {
    return decide(cached, input);
  }

  @Benchmark
  public Decision opaServerDecide() throws Exception {
    return decide(server, input);
  }

  @Benchmark
  public List<Decision> embeddedDecideList20() throws Exception {
    return await(embedded.decideAll(list));
  }

  @Benchmark
  public List<Decision> opaServerDecideList20() throws Exception {
    return await(server.decideAll(list));
  }

  private static Decision decide(PolicyEngine engine, ObjectNode input) throws Exception {
    return await(engine.decide(input));
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.isComplete() ? future.result() : future.await(10, TimeUnit.SECONDS);
  }

  /** A tools/call input document (version 1) of about 1 KB, for an editor. */
  static ObjectNode toolsCall(String tool, String access) {
    ObjectNode in = JSON.createObjectNode().put("action", "tools/call");
    ObjectNode principal = in.putObject("principal").put("subject", "alice@example.com").put("provider", "jwt")
        .put("client_id", "claude-ai");
    principal.putArray("roles").add("editor");
    principal.putArray("groups").add("engineering").add("oncall");
    principal.putArray("scopes").add("mcp").add("repo:read");
    principal.putObject("claims").put("email", "alice@example.com").put("iss", "https://idp.example.com/");
    ObjectNode target = in.putObject("target").put("kind", "tool").put("name", tool).put("backend", "github")
        .put("upstream_name", tool.substring(tool.indexOf("__") + 2)).put("access", access);
    target.putObject("annotations").put("readOnlyHint", "read".equals(access)).put("destructiveHint", false);
    ObjectNode args = in.putObject("arguments").put("owner", "portcullis").put("repo", "gateway")
        .put("title", "Policy decisions should carry the bundle revision")
        .put("body", "When OPA runs as a sidecar fed by bundles, each decision should record the revision it was made "
            + "with, so that the audit trail can tell which policy allowed a call. ".repeat(3));
    ArrayNode labels = args.putArray("labels");
    for (int i = 0; i < 6; i++) {
      labels.add("area/policy-" + i);
    }
    ObjectNode session = in.putObject("session");
    session.putObject("client").put("name", "claude-ai").put("version", "0.1");
    session.put("protocol_version", "2025-11-25");
    in.putObject("request").put("source_ip", "10.0.0.7").put("user_agent", "Claude-User");
    return in;
  }

  private static void check(Decision embedded, Decision server) {
    if (embedded.outcome() == Decision.Outcome.ERROR || server.outcome() != embedded.outcome()
        || !server.reasons().equals(embedded.reasons())) {
      throw new IllegalStateException("the engines disagree or fail: embedded " + embedded + ", server " + server);
    }
  }

  private static void awaitHealthy(int port) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      try {
        if (client.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("opa run --server did not become healthy on port " + port);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
