package io.portcullis.bench.load;

import io.portcullis.bench.load.LoadGenerator.Endpoint;
import io.portcullis.bench.load.LoadGenerator.StepResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The end-to-end load harness (benchmarks issue): the same open-loop load against the bench
 * backend directly, behind nginx, behind a bare Vert.x relay and behind Portcullis in five
 * configurations, in one run; then the heap an idle session costs and the time from JVM spawn to
 * ready. Writes a markdown report to {@code benchmarks/results/}. See benchmarks/README.md for how to run it and what each target
 * includes. Options: {@code --key value}; see {@link Options}.
 */
public final class LoadHarness {
  private LoadHarness() {
  }

  /** What a target is made of. {@code auth}: static or jwt; {@code policy}: allow-all, default or opa-server. */
  record Spec(String key, String label, String kind, String auth, String policy, String fsync, String includes) {
    boolean gateway() {
      return kind.equals("gateway");
    }
  }

  static final List<Spec> SPECS = List.of(
      new Spec("direct", "backend direct", "direct", null, null, null,
          "the bench backend alone: the floor every other row is compared with"),
      new Spec("nginx", "nginx", "nginx", null, null, null,
          "nginx (Debian package) as a plain reverse proxy: keep-alive upstream (64), proxy_buffering off, access_log off"),
      new Spec("vertx", "Vert.x relay", "vertx", null, null, null,
          "a bare relay on the gateway's stack (Vert.x 5, epoll, one server and backend pool per event loop), no MCP work"),
      new Spec("a", "Portcullis (a) static token", "gateway", "static", "allow-all", "never",
          "static bearer token (SHA-256 lookup); embedded Wasm engine with a one-rule allow-all policy; audit to a file, fsync never"),
      new Spec("b", "Portcullis (b) JWT", "gateway", "jwt", "allow-all", "never",
          "RS256 JWT, keys from a JWKS on loopback, verified tokens cached by hash; allow-all policy; audit fsync never"),
      new Spec("c", "Portcullis (c) JWT + policy", "gateway", "jwt", "default", "never",
          "(b) with the default policies/ directory in the embedded Wasm engine"),
      new Spec("d", "Portcullis (d) JWT + policy + audit", "gateway", "jwt", "default", "interval",
          "(c) with audit fsync: interval (1 s): the recommended production shape"),
      new Spec("e", "Portcullis (e) JWT + OPA server + audit", "gateway", "jwt", "opa-server", "interval",
          "(d) with the opa-server engine: one HTTP round trip per decision to `opa run --server` on loopback"));

  /** Run options, with the defaults of the documented run (about eight minutes on 2 cores). */
  static final class Options {
    List<Double> rates = List.of(500.0, 1000.0, 2000.0);
    double step = 10;
    double warmup = 8;
    double maxWarmup = 24;
    double proxyWarmup = 2;
    long drainMillis = 3_000;
    double saturation = 4;
    double saturationWarmup = 1;
    int sessions = 32;
    List<String> targets = List.of("direct", "nginx", "vertx", "a", "b", "c", "d", "e");
    List<String> sseTargets = List.of("direct", "nginx", "vertx", "d");
    double sseRate = 1000;
    double sseStep = 8;
    int idleSessions = 1000;
    int idlePool = -1;
    boolean coldStart = true;
    boolean jfr = false;
    int loadgenThreads = 2;
    int backendThreads = 2;
    int nginxWorkers = 2;
    List<String> gatewayJvm = List.of();
    String out = "benchmarks/results";
    String name = "proxy-overhead";
    boolean keep = false;
    int rounds = 1;

    static Options parse(String[] args) {
      Options o = new Options();
      List<String> a = new ArrayList<>();
      for (String arg : args) {
        if (!arg.isBlank()) {
          a.addAll(Arrays.asList(arg.trim().split("\\s+")));
        }
      }
      for (int i = 0; i < a.size(); i++) {
        String key = a.get(i);
        switch (key) {
          case "--rates" -> o.rates = Arrays.stream(a.get(++i).split(",")).map(Double::parseDouble).toList();
          case "--step" -> o.step = Double.parseDouble(a.get(++i));
          case "--warmup" -> o.warmup = Double.parseDouble(a.get(++i));
          case "--proxy-warmup" -> o.proxyWarmup = Double.parseDouble(a.get(++i));
          case "--max-warmup" -> o.maxWarmup = Double.parseDouble(a.get(++i));
          case "--saturation" -> o.saturation = Double.parseDouble(a.get(++i));
          case "--sessions" -> o.sessions = Integer.parseInt(a.get(++i));
          case "--targets" -> {
            String list = a.get(++i);
            o.targets = list.equals("none") ? List.of() : List.of(list.split(","));
          }
          case "--sse-targets" -> {
            String list = a.get(++i);
            o.sseTargets = list.equals("none") ? List.of() : List.of(list.split(","));
          }
          case "--sse-rate" -> o.sseRate = Double.parseDouble(a.get(++i));
          case "--sse-step" -> o.sseStep = Double.parseDouble(a.get(++i));
          case "--idle-sessions" -> o.idleSessions = Integer.parseInt(a.get(++i));
          case "--idle-pool" -> o.idlePool = Integer.parseInt(a.get(++i));
          case "--cold-start" -> o.coldStart = Boolean.parseBoolean(a.get(++i));
          case "--jfr" -> o.jfr = true;
          case "--loadgen-threads" -> o.loadgenThreads = Integer.parseInt(a.get(++i));
          case "--backend-threads" -> o.backendThreads = Integer.parseInt(a.get(++i));
          case "--nginx-workers" -> o.nginxWorkers = Integer.parseInt(a.get(++i));
          case "--gateway-jvm" -> o.gatewayJvm = List.of(a.get(++i).split(","));
          case "--out" -> o.out = a.get(++i);
          case "--name" -> o.name = a.get(++i);
          case "--keep" -> o.keep = true;
          case "--rounds" -> {
            o.rounds = Integer.parseInt(a.get(++i));
            if (o.rounds < 1) {
              throw new IllegalArgumentException("--rounds must be at least 1");
            }
          }
          case "--quick" -> {
            o.rates = List.of(1000.0);
            o.step = 3;
            o.warmup = 2;
            o.maxWarmup = 2;
            o.proxyWarmup = 1;
            o.saturation = 2;
            o.sseStep = 2;
            o.idleSessions = 100;
            o.coldStart = false;
            o.name = "smoke";
          }
          default -> throw new IllegalArgumentException("unknown option " + key + " (see benchmarks/README.md)");
        }
      }
      return o;
    }
  }

  /** One step's figures with what the processes spent meanwhile. CPU in % of one core. */
  record Row(StepResult r, double proxyCpu, double opaCpu, double harnessCpu, long heapUsed, long gcCount, long gcMillis,
      String load, double wallSeconds, Inside inside, Proc.Waited proxyWaited) {
  }

  /**
   * A step as the gateway's own timers saw it (bucket upper bounds, nanoseconds; null for targets
   * that are not the gateway): arrival to audit record, and the audit hop.
   */
  record Inside(double recordP50, double recordP99, double auditP50, double auditP99) {
    static Inside between(GatewayTimers before, GatewayTimers after) {
      return new Inside(after.quantileSince(before, GatewayTimers.ARRIVAL_TO_RECORD, 0.5),
          after.quantileSince(before, GatewayTimers.ARRIVAL_TO_RECORD, 0.99),
          after.quantileSince(before, GatewayTimers.AUDIT_HOP, 0.5),
          after.quantileSince(before, GatewayTimers.AUDIT_HOP, 0.99));
    }
  }

  /** Everything measured for one target. */
  static final class TargetResult {
    final Spec spec;
    final List<Row> steps = new ArrayList<>();
    Row sse;
    Row saturation;
    double readyMillis = Double.NaN;
    double warmupSeconds;
    java.time.Instant profileFrom;
    long warmupJitMillis;
    long heapAfterGc = -1;
    long rss = -1;
    long gcCount;
    long gcMillis;
    String error;

    TargetResult(Spec spec) {
      this.spec = spec;
    }
  }

  /** Heap per idle session, and the class histogram growth behind it. */
  record IdleResult(int requested, int pool, int withStreams, int withoutStreams, long baseHeap, long heapWithout, long heapWith,
      int backendStreams, List<Object[]> growth, double readyMillis, StepResult callsMeanwhile, String callsFailure) {
  }

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    // Ctrl-C, or a kill of the harness, must not leave gateways, nginx or OPA running on loopback.
    Runtime.getRuntime().addShutdownHook(new Thread(
        () -> ProcessHandle.current().descendants().forEach(ProcessHandle::destroy), "stop-children"));
    new Run(o).run();
  }

  /** One run of the harness. */
  static final class Run {
    final Options o;
    Path root;
    Path jar;
    Path opa;
    Path work;
    BenchBackend backend;
    LoadGenerator gen;
    Jwt jwt;
    String issuer;
    List<String> jwtTokens = new ArrayList<>();
    String staticToken;
    String staticSha;
    Path allowAll;
    /** Every round's targets, in the order they ran; the detailed tables show the first. */
    final List<Map<String, TargetResult>> rounds = new ArrayList<>();
    Map<String, TargetResult> results = new LinkedHashMap<>();
    IdleResult idle;
    double coldReadyMillis = Double.NaN;
    final Map<String, String> machine = new LinkedHashMap<>();
    final List<Path> jfrFiles = new ArrayList<>();
    final List<java.time.Instant> profileStarts = new ArrayList<>();
    long runStarted;
    boolean jarStale;

    Run(Options o) {
      this.o = o;
    }

    void run() throws Exception {
      runStarted = System.nanoTime();
      root = findRoot();
      jar = root.resolve("gateway/target/portcullis.jar");
      opa = root.resolve(".tools/bin/opa");
      ensureBuilt();
      work = Files.createTempDirectory("portcullis-load-");
      log("work directory " + work);
      describeMachine();
      jwt = new Jwt();
      backend = new BenchBackend(o.backendThreads, jwt.jwks());
      int bport = backend.start();
      issuer = "http://127.0.0.1:" + bport + "/issuer";
      for (int i = 0; i < Math.max(o.sessions, 16); i++) {
        jwtTokens.add(jwt.token(issuer, "portcullis-bench", "bench-client-" + i));
      }
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      staticToken = HexFormat.of().formatHex(random);
      staticSha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(staticToken.getBytes(StandardCharsets.UTF_8)));
      allowAll = work.resolve("allow-all-policy");
      Files.createDirectories(allowAll.resolve("mcp"));
      Files.writeString(allowAll.resolve("mcp/authz.rego"), """
          # Allow-all policy of the load harness: the cheapest decision the gateway can make.
          package mcp.authz

          decision := {"allow": true, "reasons": ["load harness: allow-all policy"]}

          decisions := [decision | some _ in input.items]
          """);
      gen = new LoadGenerator(o.loadgenThreads);
      log("backend on 127.0.0.1:" + bport + "; tools/call body " + gen.requestBytes() + " bytes; " + o.sessions + " sessions");
      try {
        if (o.coldStart) {
          coldStart(bport);
        }
        for (int round = 0; round < o.rounds; round++) {
          if (o.rounds > 1) {
            log("round " + (round + 1) + " of " + o.rounds);
          }
          Map<String, TargetResult> roundResults = new LinkedHashMap<>();
          rounds.add(roundResults);
          if (round == 0) {
            results = roundResults;
          }
          // Every second round runs the targets in reverse: on a machine that grows steadily quieter
          // or busier, the target that always ran last would otherwise always look better or worse.
          List<String> order = new ArrayList<>(o.targets);
          if (round % 2 == 1) {
            Collections.reverse(order);
          }
          for (String key : order) {
            Spec spec = SPECS.stream().filter(s -> s.key().equals(key)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown target " + key));
            TargetResult result = new TargetResult(spec);
            roundResults.put(key, result);
            try {
              runTarget(spec, result, bport);
            } catch (Exception e) {
              result.error = e.toString();
              log("target " + key + " failed: " + e);
              e.printStackTrace();
            }
          }
        }
        if (o.idleSessions > 0) {
          try {
            idle = idleSessions(bport);
          } catch (Exception e) {
            log("idle sessions failed: " + e);
            e.printStackTrace();
          }
        }
      } finally {
        gen.close();
        backend.stop();
      }
      Path report = Report.write(this);
      log("report: " + report);
      if (!o.keep && jfrFiles.isEmpty()) {
        deleteTree(work);
      } else {
        log("kept " + work);
      }
      log(String.format("whole run: %.0f s", (System.nanoTime() - runStarted) / 1e9));
    }

    private void describeMachine() {
      machine.put("CPU", Runtime.getRuntime().availableProcessors() + " cores, " + Proc.cpuModel());
      machine.put("memory", Proc.memory());
      machine.put("OS", Proc.os());
      machine.put("JVM", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
          + " (harness and gateway)");
      machine.put("nginx", Proc.firstLine("nginx", "-v").replace("nginx version: ", ""));
      machine.put("opa", Proc.firstLine(opa.toString(), "version"));
      String commit = Proc.firstLine("git", "-C", root.toString(), "rev-parse", "--short", "HEAD");
      String dirty = Proc.firstLine("git", "-C", root.toString(), "status", "--porcelain", "--untracked-files=no", "gateway", "policies");
      machine.put("commit", commit + (dirty.equals("?") ? "" : " (gateway/ or policies/ has uncommitted changes)"));
      try {
        machine.put("gateway jar", "gateway/target/portcullis.jar built " + Files.getLastModifiedTime(jar).toInstant()
            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + (jarStale ? " (older than some gateway sources)" : ""));
        machine.put("class archive", Processes.Gateway.classArchive(jar) == null
            ? "none (no gateway/target/portcullis.jsa newer than the jar: every start loads each class)"
            : "gateway/target/portcullis.jsa, given to every gateway JVM as ./portcullis does");
      } catch (IOException e) {
        // not shown
      }
      machine.put("load average at start", Proc.loadAverage());
    }

    /** Builds the gateway jar when it is missing; a jar older than the gateway's sources is used as it is, and said so. */
    private void ensureBuilt() throws Exception {
      if (!Files.exists(jar) || !Files.isExecutable(opa)) {
        log("building gateway/target/portcullis.jar (mvn -q -DskipTests package)...");
        Process p = new ProcessBuilder("mvn", "-q", "-B", "-DskipTests", "package", "-pl", "gateway", "-am")
            .directory(root.toFile()).inheritIO().start();
        if (p.waitFor() != 0) {
          throw new IllegalStateException("the gateway build failed");
        }
      }
      long built = Files.getLastModifiedTime(jar).toMillis();
      try (Stream<Path> files = Files.walk(root.resolve("gateway/src/main"))) {
        jarStale = files.filter(Files::isRegularFile).anyMatch(f -> {
          try {
            return Files.getLastModifiedTime(f).toMillis() > built;
          } catch (IOException e) {
            return true;
          }
        });
      }
      if (jarStale) {
        log("warning: gateway/target/portcullis.jar is older than some gateway sources; measuring the jar as built");
      }
    }

    private List<String> jvmOptions(String key) {
      return new ArrayList<>(o.gatewayJvm);
    }

    String gatewayConfig(Spec spec, int backendPort, Integer opaPort, Path auditDir, int maxConnections) {
      String auth = spec.auth().equals("static") ? """
            providers:
              - static:
                  tokens:
                    - sha256: %s
                      subject: bench-static
                      roles: [editor]
                      scopes: [mcp]
          """.formatted(staticSha) : """
            allowPrivateTargets: true    # the JWKS is served on loopback
            providers:
              - jwt:
                  issuer: %s
                  jwksUri: http://127.0.0.1:%d/jwks
                  audiences: [portcullis-bench]
                  algorithms: [RS256]
                  requiredScopes: [mcp]
          """.formatted(issuer, backendPort);
      String policy = switch (spec.policy()) {
        case "allow-all" -> "  engine: embedded\n  directory: " + allowAll + "\n";
        case "default" -> "  engine: embedded\n  directory: " + root.resolve("policies") + "\n";
        default -> "  engine: opa-server\n  server: {url: \"http://127.0.0.1:" + opaPort + "\"}\n";
      };
      return """
          # Generated by the load harness for target %s.
          server: {host: 127.0.0.1, port: 0}
          mcp:
            path: /mcp
            sessions: {idleTimeout: 30m, max: 10000}
          auth:
          %spolicy:
          %saudit:
            sink: file
            directory: %s
            fsync: %s
            fsyncInterval: 1s
            required: true
            redact: ["$..password", "$..token", "$..secret", "$..apiKey"]
          backends:
            - name: bench
              http:
                url: http://127.0.0.1:%d/mcp
                maxConnections: %d
          """.formatted(spec.key(), auth, policy, auditDir, spec.fsync(), backendPort, maxConnections);
    }

    private Processes.Gateway startGateway(Spec spec, int bport, Integer opaPort, String suffix, int maxConnections,
        List<String> jvm) throws Exception {
      Path audit = work.resolve("audit-" + spec.key() + suffix);
      Path config = work.resolve("portcullis-" + spec.key() + suffix + ".yaml");
      Files.writeString(config, gatewayConfig(spec, bport, opaPort, audit, maxConnections));
      return Processes.Gateway.start(jar, config, root, work.resolve("gateway-" + spec.key() + suffix + ".log"), jvm);
    }

    /** Startup with an empty policy build cache: the default policy is built to Wasm by opa first. */
    private void coldStart(int bport) throws Exception {
      Spec d = spec("d");
      Path tmp = work.resolve("cold-tmp");
      Files.createDirectories(tmp);
      List<String> jvm = new ArrayList<>(o.gatewayJvm);
      jvm.add("-Djava.io.tmpdir=" + tmp);
      try (Processes.Gateway g = startGateway(d, bport, null, "-cold", 64, jvm)) {
        coldReadyMillis = g.readyMillis;
        log(String.format("cold start (empty policy cache), config (d): ready after %.0f ms", g.readyMillis));
      }
      deleteTree(work.resolve("audit-d-cold"));
    }

    private void runTarget(Spec spec, TargetResult result, int bport) throws Exception {
      log("== " + spec.label());
      Processes.Nginx nginx = null;
      Processes.Relay relay = null;
      Processes.Opa opaServer = null;
      Processes.Gateway gateway = null;
      try {
        Endpoint endpoint;
        List<String> tokens = spec.auth() != null && spec.auth().equals("static") ? List.of(staticToken) : jwtTokens;
        if (spec.kind().equals("direct")) {
          endpoint = new Endpoint(spec.key(), bport, "/mcp");
        } else if (spec.kind().equals("nginx")) {
          Path dir = work.resolve("nginx");
          Files.createDirectories(dir);
          nginx = Processes.Nginx.start(dir, bport, o.nginxWorkers);
          endpoint = new Endpoint(spec.key(), nginx.port, "/mcp");
        } else if (spec.kind().equals("vertx")) {
          relay = Processes.Relay.start(bport, work.resolve("relay.log"));
          endpoint = new Endpoint(spec.key(), relay.port, "/mcp");
        } else {
          if (spec.policy().equals("opa-server")) {
            opaServer = Processes.Opa.start(opa, root.resolve("policies"), work.resolve("opa-" + spec.key() + ".log"));
          }
          gateway = startGateway(spec, bport, opaServer == null ? null : opaServer.port, "", 64, jvmOptions(spec.key()));
          result.readyMillis = gateway.readyMillis;
          log(String.format("  gateway pid %d ready after %.0f ms (listening after %.0f ms)", gateway.pid(), gateway.readyMillis,
              gateway.listeningMillis));
          endpoint = new Endpoint(spec.key(), gateway.port, gateway.path);
        }
        long proxyPid = nginx != null ? nginx.process.pid() : relay != null ? relay.process.pid()
            : gateway != null ? gateway.pid() : -1;
        long opaPid = opaServer == null ? -1 : opaServer.process.pid();
        gen.open(endpoint, tokens, o.sessions);
        long[] gc0 = gateway == null ? new long[2] : gateway.probe.gcTotals();
        // Warm-up closed loop: as many calls as the target takes (JIT), and no backlog left for the first step.
        Path jfr = work.resolve("gateway-" + spec.key() + ".jfr");
        if (o.jfr && gateway != null) {
          // Started before the warm-up: starting JFR in a running JVM costs seconds of CPU (and JIT) of its own. The
          // summary reads only the events from the end of the warm-up on.
          gateway.probe.jfrStart("load", jfr);
        }
        // Warm-up, closed loop: as many calls as the target takes, and no backlog left for the first step. The gateway
        // is warmed until its JIT settles (under 10% of the time compiling over the last 2 s), between --warmup and
        // --max-warmup seconds: C2 compiles the pipeline and the policy's Wasm functions for tens of seconds.
        long warmStarted = System.nanoTime();
        long warmAnswered = 0;
        long warmErrors = 0;
        String warmError = null;
        // A JVM (the gateway, the Vert.x relay) needs its JIT to have compiled the path it measures.
        double minWarm = gateway != null || relay != null ? o.warmup : o.proxyWarmup;
        // A target with an SSE step warms up on both kinds of answer, so that step too is measured
        // after the JIT compiled its path.
        boolean warmSse = o.sseTargets.contains(spec.key());
        int round = 0;
        while (true) {
          long jit0 = gateway == null ? 0 : gateway.probe.compilationMillis();
          StepResult warm = gen.closedLoop("warm-up", 0, 2, warmSse && round++ % 2 == 1);
          warmAnswered += warm.answered();
          warmErrors += warm.errors();
          warmError = warmError == null ? warm.firstError() : warmError;
          double elapsed = (System.nanoTime() - warmStarted) / 1e9;
          long jit = gateway == null ? 0 : gateway.probe.compilationMillis() - jit0;
          if (elapsed >= minWarm && (gateway == null || jit < 200 || elapsed >= o.maxWarmup)) {
            result.warmupSeconds = elapsed;
            result.warmupJitMillis = jit;
            break;
          }
        }
        log(String.format("  warm-up (closed loop) for %.0f s: %d answered, %d errors%s%s", result.warmupSeconds, warmAnswered,
            warmErrors, gateway == null ? "" : String.format(", JIT %d ms in the last 2 s", result.warmupJitMillis),
            warmError == null ? "" : " (" + warmError + ")"));
        if (o.jfr && gateway != null) {
          result.profileFrom = java.time.Instant.now();
        }
        for (double rate : o.rates) {
          Row row = measure(proxyPid, opaPid, gateway, () -> gen.openLoop(rate + "/s", rate, o.step, false, o.drainMillis));
          result.steps.add(row);
          log("  " + summary(row));
        }
        if (o.sseTargets.contains(spec.key())) {
          result.sse = measure(proxyPid, opaPid, gateway, () -> gen.openLoop(o.sseRate + "/s SSE", o.sseRate, o.sseStep, true, o.drainMillis));
          log("  SSE " + summary(result.sse));
        }
        result.saturation = measure(proxyPid, opaPid, gateway,
            () -> gen.closedLoop("saturation", o.saturationWarmup, o.saturation, false));
        log("  saturation " + summary(result.saturation));
        if (o.jfr && gateway != null) {
          gateway.probe.jfrStop("load");
          jfrFiles.add(jfr);
          profileStarts.add(result.profileFrom);
        }
        if (gateway != null) {
          long[] gc1 = gateway.probe.gcTotals();
          result.gcCount = gc1[0] - gc0[0];
          result.gcMillis = gc1[1] - gc0[1];
          result.rss = Proc.rssBytes(gateway.pid(), false);
          result.heapAfterGc = gateway.probe.heapAfterGc();
        } else if (nginx != null) {
          result.rss = Proc.rssBytes(nginx.process.pid(), true);
        } else if (relay != null) {
          result.rss = Proc.rssBytes(relay.process.pid(), false);
        }
        gen.closeSessions();
      } finally {
        if (gateway != null) {
          gateway.close();
          if (!o.keep) {
            deleteTree(work.resolve("audit-" + spec.key()));
          }
        }
        if (opaServer != null) {
          opaServer.close();
        }
        if (nginx != null) {
          nginx.close();
        }
        if (relay != null) {
          relay.close();
        }
      }
    }

    interface Step {
      StepResult run() throws Exception;
    }

    private Row measure(long proxyPid, long opaPid, Processes.Gateway gateway, Step step) throws Exception {
      GatewayTimers timers0 = gateway == null ? null : GatewayTimers.readOrNull(gateway.port);
      long self = ProcessHandle.current().pid();
      long wall0 = System.nanoTime();
      long proxy0 = proxyPid < 0 ? 0 : Proc.cpuNanos(proxyPid, true);
      Proc.Scheduling scheduling0 = proxyPid < 0 ? null : Proc.scheduling(proxyPid);
      long opa0 = opaPid < 0 ? 0 : Proc.cpuNanos(opaPid, true);
      long harness0 = Proc.cpuNanos(self, false);
      long[] gc0 = gateway == null ? new long[2] : gateway.probe.gcTotals();
      StepResult r = step.run();
      long wall = System.nanoTime() - wall0;
      double proxy = proxyPid < 0 ? Double.NaN : 100.0 * (Proc.cpuNanos(proxyPid, true) - proxy0) / wall;
      Proc.Waited waited = proxyPid < 0 ? null : Proc.scheduling(proxyPid).since(scheduling0);
      double opaCpu = opaPid < 0 ? Double.NaN : 100.0 * (Proc.cpuNanos(opaPid, true) - opa0) / wall;
      double harness = 100.0 * (Proc.cpuNanos(self, false) - harness0) / wall;
      long heap = gateway == null ? -1 : gateway.probe.heapUsed();
      long[] gc1 = gateway == null ? new long[2] : gateway.probe.gcTotals();
      GatewayTimers timers1 = gateway == null ? null : GatewayTimers.readOrNull(gateway.port);
      Inside inside = timers0 == null || timers1 == null ? null : Inside.between(timers0, timers1);
      return new Row(r, proxy, opaCpu, harness, heap, gc1[0] - gc0[0], gc1[1] - gc0[1], Proc.loadAverage(), wall / 1e9, inside,
          waited);
    }

    private static String summary(Row row) {
      StepResult r = row.r();
      return String.format("%s: %.0f/s answered, p50 %s p90 %s p99 %s p99.9 %s max %s, errors %d%s%s, proxy CPU %s, harness CPU %.0f%%",
          r.label(), r.throughput(), Report.time(r.latency().getValueAtPercentile(50)), Report.time(r.latency().getValueAtPercentile(90)),
          Report.time(r.latency().getValueAtPercentile(99)), Report.time(r.latency().getValueAtPercentile(99.9)),
          Report.time(r.latency().getMaxValue()), r.errors(), r.unsent() > 0 ? ", unsent " + r.unsent() : "",
          r.firstError() == null ? "" : " (" + r.firstError() + ")",
          Double.isNaN(row.proxyCpu()) ? "-" : String.format("%.0f%%", row.proxyCpu()), row.harnessCpu());
    }

    /**
     * Heap per idle session: a fresh gateway in configuration (d); live heap after full GCs with no
     * session, with N initialized sessions, then with N more each holding a GET stream. The
     * backend pool is raised to fit N upstream GET streams (see the report's note).
     */
    private IdleResult idleSessions(int bport) throws Exception {
      Spec d = spec("d");
      int n = o.idleSessions;
      int pool = o.idlePool > 0 ? o.idlePool : n + 64;
      log("== idle sessions: " + n + " with and without GET streams, configuration (d), backend pool " + pool);
      try (Processes.Gateway g = startGateway(d, bport, null, "-idle", pool, o.gatewayJvm)) {
        Endpoint endpoint = new Endpoint("idle", g.port, g.path);
        // Sessions opened as the measured ones will be, and calls, before the baseline: classes,
        // pools and policy instances that any load brings into being (the policy grows a second
        // instance when decisions on both event loops meet) are not counted per session.
        gen.openIdle(endpoint, jwtTokens, 64, false, 32);
        gen.closeSessions();
        gen.open(endpoint, jwtTokens, 2);
        gen.openLoop("prime", 200, 1, false, 5_000);
        gen.closeSessions();
        long base = g.probe.heapAfterGc();
        int without = gen.openIdle(endpoint, jwtTokens, n, false, 32);
        long heapWithout = g.probe.heapAfterGc();
        log(String.format("  %d sessions without streams: %.0f bytes each", without, (heapWithout - base) / (double) without));
        gen.closeSessions();
        Thread.sleep(500);
        Map<String, long[]> h0 = g.probe.classHistogram();
        long base2 = g.probe.heapAfterGc();
        int with = gen.openIdle(endpoint, jwtTokens, n, true, 32);
        Thread.sleep(500);
        int backendStreams = backend.openStreams();
        Map<String, long[]> h1 = g.probe.classHistogram();
        long heapWith = g.probe.heapAfterGc();
        log(String.format("  %d sessions with GET streams (%d streams open at the backend): %.0f bytes each", with, backendStreams,
            (heapWith - base2) / (double) Math.max(1, with)));
        // Do calls still go through while every session holds its stream?
        StepResult meanwhile;
        String callsFailure = null;
        try {
          gen.openExtra(endpoint, jwtTokens, 2);
          meanwhile = gen.openLoop("calls while streams are open", 50, 2, false, 5_000);
        } catch (Exception e) {
          meanwhile = null;
          callsFailure = String.valueOf(e.getCause() == null ? e : e.getCause()).replace("io.vertx.core.impl.", "");
          log("  calls while streams are open failed: " + e);
        }
        if (meanwhile != null) {
          log(String.format("  calls while %d streams are open: %d answered, %d errors, %d unsent%s", with, meanwhile.answered(),
              meanwhile.errors(), meanwhile.unsent(), meanwhile.firstError() == null ? "" : " (" + meanwhile.firstError() + ")"));
        }
        gen.closeSessions();
        deleteTree(work.resolve("audit-d-idle"));
        return new IdleResult(n, pool, with, without, base, heapWithout, heapWith - base2 + base, backendStreams,
            JvmProbe.growth(h0, h1, 15), g.readyMillis, meanwhile, callsFailure);
      }
    }

    Spec spec(String key) {
      return SPECS.stream().filter(s -> s.key().equals(key)).findFirst().orElseThrow();
    }
  }

  static Path findRoot() {
    Path dir = Path.of("").toAbsolutePath();
    for (Path p = dir; p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("gateway")) && Files.isDirectory(p.resolve("policies")) && Files.isRegularFile(p.resolve("pom.xml"))) {
        return p;
      }
    }
    throw new IllegalStateException("run from the Portcullis repository (no gateway/ and policies/ above " + dir + ")");
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort
    }
  }

  static void log(String message) {
    System.out.println("[load] " + message);
    System.out.flush();
  }

  static String today() {
    return LocalDate.now(ZoneOffset.UTC).toString();
  }
}
