package io.portcullis.bench.load;

import io.portcullis.bench.load.LoadHarness.Inside;
import io.portcullis.bench.load.LoadHarness.Row;
import io.portcullis.bench.load.LoadHarness.Run;
import io.portcullis.bench.load.LoadHarness.TargetResult;
import io.portcullis.bench.load.LoadGenerator.StepResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/** The markdown report of a run, in benchmarks/results/. */
final class Report {
  private Report() {
  }

  /** A duration given in nanoseconds, for people: µs below 10 ms, then ms, then s. */
  static String time(double nanos) {
    if (nanos < 10_000_000) {
      return String.format(Locale.ROOT, "%.0f µs", nanos / 1e3);
    }
    if (nanos < 10_000_000_000L) {
      return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
    }
    return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
  }

  static String added(double nanos) {
    String sign = nanos < 0 ? "−" : "+";
    return sign + time(Math.abs(nanos));
  }

  static String mib(long bytes) {
    return bytes < 0 ? "–" : String.format(Locale.ROOT, "%.0f MiB", bytes / 1048576.0);
  }

  static String pct(double p) {
    return Double.isNaN(p) ? "–" : String.format(Locale.ROOT, "%.0f%%", p);
  }

  static Path write(Run run) throws Exception {
    LoadHarness.Options o = run.o;
    StringBuilder md = new StringBuilder();
    md.append("# What Portcullis adds to a tool call, side by side with nginx — ").append(LoadHarness.today()).append("\n\n");
    md.append("Produced by the load harness (`benchmarks/README.md`, \"Load harness\"); every figure below comes from one run")
        .append(o.rounds > 1 ? String.format(Locale.ROOT, " of %d rounds (the detailed tables show the first round; "
            + "\"Across %d rounds\" and the verdicts use every round). ", o.rounds, o.rounds) : ". ")
        .append(String.format(Locale.ROOT, "The run took %.0f s.", (System.nanoTime() - run.runStarted) / 1e9)).append("\n\n");
    md.append("## Machine\n\n| | |\n| --- | --- |\n");
    run.machine.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v.replace("|", "/")).append(" |\n"));
    md.append("| load average at end | ").append(Proc.loadAverage()).append(" |\n");
    md.append("\nThe load generator, the bench backend, nginx, OPA and the gateway all share these cores, and other people's "
        + "test suites ran on the machine meanwhile (see the load average). Figures are comparable within this run, not across machines.\n\n");

    md.append("## Method\n\n");
    md.append(String.format(Locale.ROOT, """
        - **Load**: `tools/call echo` with %d bytes of request body (1,000 characters of text as the argument); the answer
          echoes the text (~1.1 KB). %d client sessions, each on its own keep-alive HTTP/1.1 connection with its own MCP session
          (initialize, notifications/initialized), spread over %d load-generator event loop(s).
        - **Open loop** at fixed rates (%s calls/s), %.0f s each, after a closed-loop warm-up: %.0f s for the direct backend and
          nginx; for the gateway at least %.0f s and until its JIT settles (less than 200 ms of compilation in the last 2 s,
          from JMX), at most %.0f s (the time each took is in "Gateway processes"). After each step the backlog gets %.0f s to drain; calls never sent by then
          are counted as unsent (only a step past saturation has any). Latency is measured from each call's
          *intended* send time (`start + i / rate`), so queueing behind a slow answer counts (corrected for coordinated
          omission); recorded in HdrHistogram (3 significant digits). "Harness lag" is how late the harness itself sent the calls
          that found a free session (pacing thread and hand-off to the event loop): the floor of every row.
        - **Added** = the target's percentile minus the direct backend's percentile at the same rate, in this run (a difference
          of percentiles, not a percentile of differences).
        - **Saturation**: closed loop, every session sends its next call as soon as its answer arrives, %.0f s after %.0f s warm-up;
          latency there is per call (from its actual send).
        - **CPU**: user + system time of the proxy process (gateway JVM; nginx master and workers; OPA separately) over the step,
          in %% of one core (200%% = both cores), from /proc; "CPU per call" is that time divided by the calls answered (OPA's
          CPU included for (e)), the figure least disturbed by other load on the machine. "load avg" is the 1-minute load
          average at the end of the step. **Heap**: the gateway JVM's used heap at the end of the step (JMX,
          garbage included), and live heap after full GCs at the end of the target.
        - The gateway runs as a child JVM (`java -jar gateway/target/portcullis.jar run`, with the JVM options of `gateway/jvm.options`%s and
          the build's class archive, as `./portcullis` gives them (see the machine table), default logging (INFO to stderr, here a file;
          no access-log line per request: `audit.accessLog` is off by default, as nginx's `access_log` is off here).
        """, run.gen.requestBytes(), o.sessions, o.loadgenThreads,
        String.join(", ", o.rates.stream().map(r -> String.format(Locale.ROOT, "%.0f", r)).toList()), o.step, o.proxyWarmup, o.warmup, o.maxWarmup, o.drainMillis / 1000.0,
        o.saturation, o.saturationWarmup, o.gatewayJvm.isEmpty() ? "" : " plus " + String.join(" ", o.gatewayJvm)));
    if (o.jfr) {
      md.append("- **This run recorded JFR** in every gateway JVM (`settings=profile`, started before the warm-up; the profile below "
          + "reads the events from the end of the warm-up to the end of the saturation run): its figures include the recorder's overhead.\n");
    }
    md.append("\n## Targets\n\n| target | what it includes |\n| --- | --- |\n");
    for (TargetResult t : run.results.values()) {
      md.append("| ").append(t.spec.label()).append(" | ").append(t.spec.includes()).append(" |\n");
    }
    md.append("""

        Every Portcullis configuration runs the whole pipeline: transport checks, authentication, strict JSON-RPC parse,
        session lookup, routing, a policy decision (the gateway has no switch to turn policy off: (a) and (b) use a one-rule
        allow-all policy, still built to Wasm and evaluated per call), the upstream request with id mapping and a W3C
        traceparent, and an audit record per request written by the audit thread before the answer is released (the gateway
        has no switch to turn audit off: (a)–(c) use `fsync: never`, the file is still written and hash-chained). The
        access log (`audit.accessLog`, one more line per request) is off, its default.

        """);

    TargetResult direct = run.results.get("direct");
    md.append("## Latency at fixed rates (open loop, JSON answers)\n\n");
    md.append("| target | rate /s | answered /s | p50 | p90 | p99 | p99.9 | max | added p50 | added p99 | added p99.9 | proxy CPU | CPU per call | OPA CPU | heap used | GCs (ms) | errors | harness lag p99 | load avg |\n");
    md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (int i = 0; i < o.rates.size(); i++) {
      for (TargetResult t : run.results.values()) {
        if (i < t.steps.size()) {
          Row base = direct != null && i < direct.steps.size() ? direct.steps.get(i) : null;
          row(md, t, t.steps.get(i), base);
        } else if (t.error != null && i == 0) {
          md.append("| ").append(t.spec.label()).append(" | failed: ").append(t.error.replace("|", "/")).append(" |||||||||||||||\n");
        }
      }
    }
    boolean anySse = run.results.values().stream().anyMatch(t -> t.sse != null);
    if (anySse) {
      md.append("\n## SSE answers (the backend answers `text/event-stream`, one event)\n\n");
      md.append("| target | rate /s | answered /s | p50 | p90 | p99 | p99.9 | max | added p50 | added p99 | added p99.9 | proxy CPU | CPU per call | OPA CPU | heap used | GCs (ms) | errors | harness lag p99 | load avg |\n");
      md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
      for (TargetResult t : run.results.values()) {
        if (t.sse != null) {
          row(md, t, t.sse, direct == null ? null : direct.sse);
        }
      }
    }
    insideTheGateway(md, run);
    scheduling(md, run);
    md.append("\n## Saturation (closed loop, ").append(o.sessions).append(" sessions)\n\n");
    md.append("| target | calls /s | of nginx's | p50 | p99 | p99.9 | proxy CPU | CPU per call | OPA CPU | harness CPU | errors |\n");
    md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    TargetResult nginx = run.results.get("nginx");
    double nginxSat = nginx == null || nginx.saturation == null ? Double.NaN : nginx.saturation.r().throughput();
    for (TargetResult t : run.results.values()) {
      if (t.saturation == null) {
        continue;
      }
      StepResult r = t.saturation.r();
      Histogram h = r.latency();
      md.append(String.format(Locale.ROOT, "| %s | %.0f | %s | %s | %s | %s | %s | %s | %s | %s | %d |\n", t.spec.label(), r.throughput(),
          Double.isNaN(nginxSat) ? "–" : String.format(Locale.ROOT, "%.0f%%", 100 * r.throughput() / nginxSat),
          time(h.getValueAtPercentile(50)), time(h.getValueAtPercentile(99)), time(h.getValueAtPercentile(99.9)),
          pct(t.saturation.proxyCpu()), perCall(t.saturation), pct(t.saturation.opaCpu()), pct(t.saturation.harnessCpu()), r.errors()));
    }
    md.append("\n## Gateway processes\n\n| target | spawn → /readyz 200 | warm-up (JIT in its last 2 s) | live heap after GC (end) | RSS (end) | GCs during the target (total pause) |\n");
    md.append("| --- | ---: | ---: | ---: | ---: | ---: |\n");
    for (TargetResult t : run.results.values()) {
      if (t.spec.gateway() && !Double.isNaN(t.readyMillis)) {
        md.append(String.format(Locale.ROOT, "| %s | %.0f ms | %.0f s (%d ms) | %s | %s | %d (%d ms) |\n", t.spec.label(), t.readyMillis,
            t.warmupSeconds, t.warmupJitMillis, mib(t.heapAfterGc), mib(t.rss), t.gcCount, t.gcMillis));
      } else if (t.spec.kind().equals("nginx") && t.rss > 0) {
        md.append(String.format(Locale.ROOT, "| %s | – | %.0f s | – | %s (master + workers) | – |\n", t.spec.label(), t.warmupSeconds,
            mib(t.rss)));
      } else if (t.spec.kind().equals("vertx") && t.rss > 0) {
        md.append(String.format(Locale.ROOT, "| %s | – | %.0f s | – | %s | – |\n", t.spec.label(), t.warmupSeconds, mib(t.rss)));
      }
    }
    if (!Double.isNaN(run.coldReadyMillis)) {
      md.append(String.format(Locale.ROOT, "\nStartup with an empty policy build cache (configuration (d), the default policy built "
          + "to Wasm by `opa build` first): **%.0f ms** from spawning the JVM to `/readyz` answering 200. The rows above start with the "
          + "cache filled.\n", run.coldReadyMillis));
    }
    LoadHarness.IdleResult idle = run.idle;
    if (idle != null) {
      double without = (idle.heapWithout() - idle.baseHeap()) / (double) Math.max(1, idle.withoutStreams());
      double with = (idle.heapWith() - idle.baseHeap()) / (double) Math.max(1, idle.withStreams());
      md.append("\n## Idle sessions\n\n");
      md.append(String.format(Locale.ROOT, """
          A fresh gateway in configuration (d) (ready after %.0f ms), its backend pool (`maxConnections`) set to %d. The sessions
          are initialized over a shared pool of 8 client connections, so an idle session without a stream holds no connection;
          a session's GET stream has a client connection of its own, and the gateway opens the backend's GET stream for it on a
          pooled backend connection. Live heap after two full GCs (JMX `gc()`), before and after:

          | sessions | live heap before | after | per session |
          | --- | ---: | ---: | ---: |
          | %d initialized, no stream | %s | %s | **%.0f bytes** |
          | %d initialized, each holding a GET stream (%d streams open at the backend) | %s | %s | **%.0f bytes** |

          """, idle.readyMillis(), idle.pool(), idle.withoutStreams(), mib(idle.baseHeap()), mib(idle.heapWithout()), without,
          idle.withStreams(), idle.backendStreams(), mib(idle.baseHeap()), mib(idle.heapWith()), with));
      if (idle.withStreams() < idle.requested()) {
        md.append(String.format(Locale.ROOT, "**Only %d of %d sessions got their GET stream** (the rest were still waiting when the "
            + "harness gave up, 30 s later): every GET stream holds one of the gateway's %d pooled connections to the backend.\n\n",
            idle.withStreams(), idle.requested(), idle.pool()));
      }
      StepResult m = idle.callsMeanwhile();
      if (m != null) {
        md.append(String.format(Locale.ROOT, "With the %d streams open, 2 more sessions sent 50 calls/s for 2 s: %d answered, %d failed, "
            + "%d never sent%s.\n\n", idle.withStreams(), m.answered(), m.errors(), m.unsent(),
            m.firstError() == null ? "" : " (first error: " + m.firstError().replace("|", "/") + ")"));
      }
      if (idle.callsFailure() != null) {
        md.append(String.format(Locale.ROOT, "With the %d streams open, 2 more sessions tried to start and send 50 calls/s: they could "
            + "not even be initialized (%s).\n\n", idle.withStreams(), idle.callsFailure().replace("|", "/")));
      }
      md.append("""
          Where the heap of the sessions with streams goes (class histogram growth, top classes):

          | class | instances | bytes | per session |
          | --- | ---: | ---: | ---: |
          """);
      for (Object[] g : idle.growth()) {
        md.append(String.format(Locale.ROOT, "| `%s` | %d | %d | %.0f |\n", g[0], (long) g[1], (long) g[2],
            (long) g[2] / (double) Math.max(1, idle.withStreams())));
      }
    }
    Rounds rounds = new Rounds(run.rounds, o.rates.indexOf(1000.0));
    if (rounds.count() > 1) {
      acrossRounds(md, run, rounds);
    }
    md.append("\n## Against the issue's targets\n\n| target | measured | verdict |\n| --- | --- | --- |\n");
    TargetResult d = run.results.get("d");
    String byRounds = rounds.count() > 1 ? " (median of " + rounds.count() + " rounds)" : "";
    double a50 = Rounds.median(rounds.addedLatency("d", 50));
    double a99 = Rounds.median(rounds.addedLatency("d", 99));
    if (!Double.isNaN(a50)) {
      md.append("| (d) JWT + policy + audit at 1,000/s: added p50 ≤ 150 µs | ").append(added(a50)).append(byRounds).append(" | ")
          .append(a50 <= 150_000 ? "met" : "**missed**").append(" |\n");
      md.append("| (d) at 1,000/s: added p99 ≤ 500 µs | ").append(added(a99)).append(byRounds).append(" | ")
          .append(a99 <= 500_000 ? "met" : "**missed**").append(" |\n");
    }
    double ratio = Rounds.median(rounds.ofNginxAtSaturation("d"));
    if (!Double.isNaN(ratio)) {
      md.append(String.format(Locale.ROOT, "| saturation of (d) ≥ half of nginx's | %.0f/s vs %.0f/s (%.0f%%)%s | %s |\n",
          Rounds.median(rounds.saturation("d")), Rounds.median(rounds.saturation("nginx")), ratio * 100, byRounds,
          ratio >= 0.5 ? "met" : "**missed**"));
    }
    if (idle != null) {
      double with = (idle.heapWith() - idle.baseHeap()) / (double) Math.max(1, idle.withStreams());
      double without = (idle.heapWithout() - idle.baseHeap()) / (double) Math.max(1, idle.withoutStreams());
      md.append(String.format(Locale.ROOT, "| heap per idle session ≤ 4 KB | %.1f KB with a GET stream, %.1f KB without | %s |\n",
          with / 1024, without / 1024, with <= 4096 ? "met" : without <= 4096 ? "**missed** with a stream, met without" : "**missed**"));
    }
    double warm = d == null ? Double.NaN : d.readyMillis;
    if (!Double.isNaN(run.coldReadyMillis)) {
      md.append(String.format(Locale.ROOT, "| startup to ready ≤ 3 s, default policy | %.0f ms with an empty policy cache%s | %s |\n",
          run.coldReadyMillis, Double.isNaN(warm) ? "" : String.format(Locale.ROOT, ", %.0f ms with the cache filled", warm),
          run.coldReadyMillis <= 3000 ? "met" : (!Double.isNaN(warm) && warm <= 3000 ? "**missed** cold, met warm" : "**missed**")));
    } else if (!Double.isNaN(warm)) {
      md.append(String.format(Locale.ROOT, "| startup to ready ≤ 3 s, default policy | %.0f ms with the cache filled | %s |\n", warm,
          warm <= 3000 ? "met" : "**missed**"));
    }
    md.append("\n");
    if (!run.jfrFiles.isEmpty()) {
      md.append("## Profile (JFR)\n\n");
      for (int i = 0; i < run.jfrFiles.size(); i++) {
        Path f = run.jfrFiles.get(i);
        if (Files.exists(f)) {
          md.append("### ").append(f.getFileName()).append("\n\n").append(JfrSummary.summarise(f, 25, run.profileStarts.get(i)))
              .append("\n");
        }
      }
    }
    Path dir = run.root.resolve(o.out);
    Files.createDirectories(dir);
    Path file = dir.resolve(LoadHarness.today() + "-" + o.name + ".md");
    Files.writeString(file, md.toString());
    return file;
  }

  /** Each target's figures in every round, against the same round's direct backend and nginx, with their medians. */
  private static void acrossRounds(StringBuilder md, Run run, Rounds rounds) {
    md.append(String.format(Locale.ROOT, """

        ## Across %d rounds

        Every round ran each target again in a fresh process, every second round in reverse order. Each figure compares a target with
        the direct backend (latency, at 1,000/s) or nginx (saturation) **of the same round**; the bold figure is the
        median over the rounds, then each round's in order.

        | target | added p50 | added p99 | saturation, calls/s | of nginx's |
        | --- | --- | --- | --- | --- |
        """, rounds.count()));
    for (TargetResult t : run.results.values()) {
      String key = t.spec.key();
      boolean base = t.spec.kind().equals("direct");
      md.append("| ").append(t.spec.label()).append(" | ")
          .append(base ? "–" : spread(rounds.addedLatency(key, 50), Report::added)).append(" | ")
          .append(base ? "–" : spread(rounds.addedLatency(key, 99), Report::added)).append(" | ")
          .append(spread(rounds.saturation(key), v -> String.format(Locale.ROOT, "%.0f", v))).append(" | ")
          .append(spread(rounds.ofNginxAtSaturation(key), v -> String.format(Locale.ROOT, "%.0f%%", 100 * v))).append(" |\n");
    }
  }

  private static String spread(double[] values, java.util.function.DoubleFunction<String> format) {
    double median = Rounds.median(values);
    if (Double.isNaN(median)) {
      return "–";
    }
    StringBuilder each = new StringBuilder();
    for (double v : values) {
      each.append(each.length() == 0 ? "" : ", ").append(Double.isNaN(v) ? "–" : format.apply(v));
    }
    return "**" + format.apply(median) + "** (" + each + ")";
  }

  /** The open-loop steps as the gateway's own histograms saw them, beside what the client measured. */
  private static void insideTheGateway(StringBuilder md, Run run) {
    StringBuilder rows = new StringBuilder();
    for (TargetResult t : run.results.values()) {
      List<Row> steps = new ArrayList<>(t.steps);
      if (t.sse != null) {
        steps.add(t.sse);
      }
      for (Row row : steps) {
        Inside in = row.inside();
        if (in != null) {
          Histogram h = row.r().latency();
          rows.append(String.format(Locale.ROOT, "| %s | %.0f%s | %s | %s | %s | %s | %s | %s |\n", t.spec.label(), row.r().rate(),
              row == t.sse ? " (SSE)" : "",
              bound(in.recordP50()), bound(in.recordP99()), bound(in.auditP50()), bound(in.auditP99()),
              time(h.getValueAtPercentile(50)), time(h.getValueAtPercentile(99))));
        }
      }
    }
    if (rows.length() == 0) {
      return;
    }
    md.append("\n## Inside the gateway (its own timers)\n\n");
    md.append("The gateway's histograms (`/metrics`, read before and after each step; bucket upper bounds, so \"≤ 250 µs\"): from a\n"
        + "request's arrival to its audit record (the backend's round trip included), and the record's trip through the audit\n"
        + "writer, which the answer waits for. What the client measured beyond their sum is time these timers cannot see:\n"
        + "a request waiting for its event loop, the answer's write, the client's read.\n\n");
    md.append("| target | rate /s | arrival → record p50 | p99 | audit hop p50 | p99 | client's p50 | client's p99 |\n");
    md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    md.append(rows);
  }

  /** How the scheduler treated each proxy's threads during the fixed-rate steps, per answered call. */
  private static void scheduling(StringBuilder md, Run run) {
    StringBuilder rows = new StringBuilder();
    for (TargetResult t : run.results.values()) {
      for (Row row : t.steps) {
        Proc.Waited w = row.proxyWaited();
        long calls = row.r().answered();
        if (w != null && calls > 0) {
          // The proxy's own CPU (OPA's left out, unlike "CPU per call"): the same processes as the other columns.
          double cpu = nanosPerCall(row, row.proxyCpu());
          rows.append(String.format(Locale.ROOT, "| %s | %.0f | %s | %s | %.2f | %s |\n", t.spec.label(), row.r().rate(), time(cpu),
              time((double) w.waitNanos() / calls), (double) w.runs() / calls, w.runs() == 0 ? "–" : time((double) w.waitNanos() / w.runs())));
        }
      }
    }
    if (rows.length() == 0) {
      return;
    }
    md.append("\n## Waiting for a CPU (fixed rates)\n\n");
    md.append("From each thread's `/proc/<pid>/task/<tid>/schedstat` (the proxy's process and its children; not OPA), divided by\n"
        + "the calls answered: time runnable but not running (on a VM this includes waking an idle virtual CPU), and how many\n"
        + "times the proxy's threads were put on a CPU, about one per wake-up. A thread a call passes through costs both.\n\n");
    md.append("| target | rate /s | proxy CPU per call | waiting for a CPU per call | times on a CPU per call | wait per time on a CPU |\n");
    md.append("| --- | ---: | ---: | ---: | ---: | ---: |\n");
    md.append(rows);
  }

  private static String bound(double nanos) {
    return Double.isNaN(nanos) ? "–" : Double.isInfinite(nanos) ? "> 300 s" : "≤ " + time(nanos);
  }

  private static void row(StringBuilder md, TargetResult t, Row row, Row base) {
    StepResult r = row.r();
    Histogram h = r.latency();
    Histogram b = base == null ? null : base.r().latency();
    boolean isBase = t.spec.kind().equals("direct");
    md.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d%s | %s | %s |\n",
        t.spec.label(), r.rate(), r.throughput(), time(h.getValueAtPercentile(50)), time(h.getValueAtPercentile(90)),
        time(h.getValueAtPercentile(99)), time(h.getValueAtPercentile(99.9)), time(h.getMaxValue()),
        isBase || b == null ? "–" : added(h.getValueAtPercentile(50) - b.getValueAtPercentile(50)),
        isBase || b == null ? "–" : added(h.getValueAtPercentile(99) - b.getValueAtPercentile(99)),
        isBase || b == null ? "–" : added(h.getValueAtPercentile(99.9) - b.getValueAtPercentile(99.9)),
        pct(row.proxyCpu()), perCall(row), pct(row.opaCpu()), mib(row.heapUsed()),
        row.heapUsed() < 0 ? "–" : row.gcCount() + " (" + row.gcMillis() + ")",
        r.errors(), r.unsent() > 0 ? " + " + r.unsent() + " unsent" : "",
        time(r.sendLag().getValueAtPercentile(99)), row.load().split(" ")[0]));
  }

  /** The proxy's CPU time per answered call over the step (OPA's included for the opa-server engine). */
  static String perCall(Row row) {
    if (Double.isNaN(row.proxyCpu()) || row.r().answered() == 0) {
      return "–";
    }
    return time(nanosPerCall(row, row.proxyCpu() + (Double.isNaN(row.opaCpu()) ? 0 : row.opaCpu())));
  }

  /** CPU time per answered call, in nanoseconds, of processes that used {@code cpuPercent} of one core over the step. */
  private static double nanosPerCall(Row row, double cpuPercent) {
    return cpuPercent / 100.0 * row.wallSeconds() * 1e9 / row.r().answered();
  }
}
