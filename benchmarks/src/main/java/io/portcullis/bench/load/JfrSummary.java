package io.portcullis.bench.load;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * A markdown digest of a JFR recording of the gateway: where CPU samples fall (by thread, by top
 * frame, by gateway method and by library, inclusive) and what allocates. Run on its own with
 * {@code java -cp benchmarks.jar io.portcullis.bench.load.JfrSummary FILE.jfr [TOP [FROM-INSTANT]]}.
 */
public final class JfrSummary {
  /**
   * Where an event-loop sample's time goes: the innermost frame that belongs to one of these
   * (checked in order for each frame, from the top of the stack down; JDK frames are passed over
   * and count for the caller that is listed here).
   */
  private static final Map<String, String> AREAS = new LinkedHashMap<>();

  static {
    AREAS.put("com.dylibso.chicory.", "policy: Wasm evaluation (Chicory, opa-java-wasm)");
    AREAS.put("com.styra.opa.wasm.", "policy: Wasm evaluation (Chicory, opa-java-wasm)");
    AREAS.put("io.portcullis.policy.", "policy: input document, decision reading, OPA client");
    AREAS.put("io.portcullis.audit.", "audit: record, redaction, JSON line, hash chain");
    AREAS.put("ch.qos.logback.", "logging (logback: access log)");
    AREAS.put("org.slf4j.", "logging (logback: access log)");
    AREAS.put("io.micrometer.", "metrics (Micrometer)");
    AREAS.put("io.portcullis.observe.", "metrics, tracing (io.portcullis.observe)");
    AREAS.put("com.fasterxml.jackson.", "JSON (Jackson) called from the gateway");
    AREAS.put("io.portcullis.auth.", "authentication");
    AREAS.put("io.portcullis.", "other gateway code (pipeline, transport, routing, codec)");
    AREAS.put("io.vertx.", "HTTP server and client (Vert.x, Netty, sockets)");
    AREAS.put("io.netty.", "HTTP server and client (Vert.x, Netty, sockets)");
    AREAS.put("sun.nio.ch.", "HTTP server and client (Vert.x, Netty, sockets)");
  }

  /** The gateway methods whose inclusive share is worth showing (one per stage or step of the hot path). */
  private static final List<String> STEPS = List.of(
      "io.portcullis.transport.McpEndpoint.handle", "io.portcullis.transport.TransportStage.apply",
      "io.portcullis.auth.AuthenticateStage.apply", "io.portcullis.transport.ParseStage.apply",
      "io.portcullis.transport.SessionStage.apply", "io.portcullis.routing.RouteStage.apply",
      "io.portcullis.policy.AuthorizeStage.apply", "io.portcullis.policy.PolicyInputs.of",
      "io.portcullis.policy.WasmPolicyEngine.decide", "io.portcullis.policy.OpaServerPolicyEngine.decide",
      "io.portcullis.routing.ForwardStage.apply", "io.portcullis.routing.HttpUpstreamSession.exchange",
      "io.portcullis.routing.HttpUpstreamSession.answer", "io.portcullis.transport.AuditedReply.relay",
      "io.portcullis.transport.AuditedReply.lambda$relay$3", "io.portcullis.audit.Auditor.record",
      "io.portcullis.mcp.JsonRpcCodec.encode", "io.portcullis.mcp.JsonRpcCodec.parse",
      "io.portcullis.mcp.JsonRpcCodec.parseTree", "io.portcullis.transport.ReplyWriter.write");

  private JfrSummary() {
  }

  public static void main(String[] args) throws Exception {
    System.out.println(summarise(Path.of(args[0]), args.length > 1 ? Integer.parseInt(args[1]) : 25,
        args.length > 2 ? java.time.Instant.parse(args[2]) : null));
  }

  /** The digest of the events from {@code from} on (all when null). */
  static String summarise(Path file, int top, java.time.Instant from) throws Exception {
    List<RecordedEvent> events = RecordingFile.readAllEvents(file);
    Map<String, Long> byThread = new HashMap<>();
    Map<String, Long> self = new HashMap<>();
    Map<String, Long> gatewayInclusive = new HashMap<>();
    Map<String, Long> areas = new LinkedHashMap<>();
    Map<String, Long> allocByClass = new HashMap<>();
    Map<String, Long> allocByGatewayFrame = new HashMap<>();
    Map<String, Long> parks = new HashMap<>();
    long samples = 0;
    long loopSamples = 0;
    long allocTotal = 0;
    double jvmUser = 0;
    double jvmSystem = 0;
    double machine = 0;
    int cpuEvents = 0;
    long gcs = 0;
    double gcPauseMillis = 0;
    Map<String, double[]> threadCpu = new HashMap<>();
    long slowCompilations = 0;
    double compileMillis = 0;
    for (RecordedEvent e : events) {
      if (from != null && e.getStartTime().isBefore(from)) {
        continue;
      }
      String type = e.getEventType().getName();
      if (type.equals("jdk.ThreadCPULoad")) {
        String thread = e.getThread("eventThread") == null ? "?" : e.getThread("eventThread").getJavaName();
        double[] acc = threadCpu.computeIfAbsent(thread, k -> new double[2]);
        acc[0] += e.getFloat("user") + e.getFloat("system");
        acc[1]++;
      } else if (type.equals("jdk.Compilation")) {
        slowCompilations++;
        compileMillis += e.getDuration().toNanos() / 1e6;
      } else if (type.equals("jdk.CPULoad")) {
        jvmUser += e.getFloat("jvmUser");
        jvmSystem += e.getFloat("jvmSystem");
        machine += e.getFloat("machineTotal");
        cpuEvents++;
      } else if (type.equals("jdk.GarbageCollection")) {
        gcs++;
        gcPauseMillis += e.getDuration("sumOfPauses").toNanos() / 1e6;
      } else if (type.equals("jdk.ExecutionSample")) {
        samples++;
        String thread = e.getThread("sampledThread") == null ? "?" : e.getThread("sampledThread").getJavaName();
        String group = threadGroup(thread);
        byThread.merge(group, 1L, Long::sum);
        RecordedStackTrace st = e.getStackTrace();
        if (st == null || st.getFrames().isEmpty()) {
          continue;
        }
        self.merge(name(st.getFrames().get(0)), 1L, Long::sum);
        if (!group.startsWith("vert.x-eventloop")) {
          continue;
        }
        loopSamples++;
        Set<String> seen = new HashSet<>();
        String area = null;
        for (RecordedFrame f : st.getFrames()) {
          String n = name(f);
          if (n.startsWith("io.portcullis.") && seen.add(n)) {
            gatewayInclusive.merge(n, 1L, Long::sum);
          }
          if (area == null) {
            for (var a : AREAS.entrySet()) {
              if (n.startsWith(a.getKey())) {
                area = a.getValue();
                break;
              }
            }
          }
        }
        areas.merge(area == null ? "JDK and other" : area, 1L, Long::sum);
      } else if (type.equals("jdk.ObjectAllocationSample")) {
        long weight = e.getLong("weight");
        allocTotal += weight;
        allocByClass.merge(e.getClass("objectClass").getName(), weight, Long::sum);
        RecordedStackTrace st = e.getStackTrace();
        if (st != null) {
          for (RecordedFrame f : st.getFrames()) {
            String n = name(f);
            if (n.startsWith("io.portcullis.")) {
              allocByGatewayFrame.merge(n, weight, Long::sum);
              break;
            }
          }
        }
      } else if (type.equals("jdk.ThreadPark") || type.equals("jdk.JavaMonitorWait") || type.equals("jdk.JavaMonitorEnter")) {
        String thread = e.getThread("eventThread") == null ? "?" : threadGroup(e.getThread("eventThread").getJavaName());
        parks.merge(type.substring(4) + " on " + thread, 1L, Long::sum);
      }
    }
    StringBuilder md = new StringBuilder();
    md.append(String.format(Locale.ROOT, "%d CPU samples (%d on the Vert.x event loops); %.0f MiB allocation sampled in total. "
        + "JVM CPU (jdk.CPULoad, mean): user %.0f%%, system %.0f%% of the machine (2 cores = 100%%), machine total %.0f%%. "
        + "%d garbage collections, %.0f ms of pauses in all.\n\n",
        samples, loopSamples, allocTotal / 1048576.0, 100 * jvmUser / Math.max(1, cpuEvents), 100 * jvmSystem / Math.max(1, cpuEvents),
        100 * machine / Math.max(1, cpuEvents), gcs, gcPauseMillis));
    md.append("CPU by thread (jdk.ThreadCPULoad, mean, % of the machine's 2 cores; JIT compiler threads included, GC threads "
        + "are not Java threads and do not show here):\n\n| thread | CPU |\n| --- | ---: |\n");
    threadCpu.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue()[0] / b.getValue()[1], a.getValue()[0] / a.getValue()[1]))
        .limit(6).forEach(en -> md.append(String.format(Locale.ROOT, "| `%s` | %.1f%% |\n", en.getKey(),
            100 * en.getValue()[0] / en.getValue()[1])));
    md.append(String.format(Locale.ROOT, "\nJIT: %d compilations longer than 100 ms during the recording, %.1f s of compiler time in "
        + "them.\n\n", slowCompilations, compileMillis / 1000));
    md.append("Java CPU samples (jdk.ExecutionSample) by thread:\n\n| thread | samples | share |\n| --- | ---: | ---: |\n");
    table(md, byThread, samples, 10);
    md.append("\nEvent-loop samples by where the time is spent (each sample counted once, by its innermost frame of a listed "
        + "library or gateway package; JDK frames count for their caller):\n\n| area | samples | share of event-loop samples |\n| --- | ---: | ---: |\n");
    table(md, areas, loopSamples, 20);
    md.append("\nSteps of the hot path, inclusive (everything called from them, on the event loops; asynchronous continuations "
        + "count where they run):\n\n| method | samples | share of event-loop samples |\n| --- | ---: | ---: |\n");
    Map<String, Long> steps = new LinkedHashMap<>();
    for (String step : STEPS) {
      if (gatewayInclusive.containsKey(step)) {
        steps.put(step, gatewayInclusive.get(step));
      }
    }
    for (var en : steps.entrySet()) {
      md.append(String.format(Locale.ROOT, "| `%s` | %d | %.1f%% |\n", en.getKey(), en.getValue(), 100.0 * en.getValue() / Math.max(1, loopSamples)));
    }
    md.append("\nTop frames (self time, all threads):\n\n| method | samples | share |\n| --- | ---: | ---: |\n");
    table(md, self, samples, top);
    md.append("\nAllocation by class (sampled weight):\n\n| class | weight | share |\n| --- | ---: | ---: |\n");
    tableBytes(md, allocByClass, allocTotal, 12);
    md.append("\nAllocation by the innermost gateway frame:\n\n| method | weight | share |\n| --- | ---: | ---: |\n");
    tableBytes(md, allocByGatewayFrame, allocTotal, 15);
    if (!parks.isEmpty()) {
      md.append("\nBlocking events recorded (over the profile's thresholds):\n\n| event | count |\n| --- | ---: |\n");
      parks.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(10)
          .forEach(en -> md.append("| ").append(en.getKey()).append(" | ").append(en.getValue()).append(" |\n"));
    }
    return md.toString();
  }

  private static String threadGroup(String thread) {
    return thread.replaceAll("-\\d+$", "-N").replaceAll("\\d+$", "N");
  }

  private static String name(RecordedFrame f) {
    return f.getMethod().getType().getName() + "." + f.getMethod().getName();
  }

  private static void table(StringBuilder md, Map<String, Long> counts, long total, int top) {
    counts.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(top)
        .forEach(en -> md.append(String.format(Locale.ROOT, "| `%s` | %d | %.1f%% |\n", en.getKey(), en.getValue(),
            100.0 * en.getValue() / Math.max(1, total))));
  }

  private static void tableBytes(StringBuilder md, Map<String, Long> weights, long total, int top) {
    weights.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(top)
        .forEach(en -> md.append(String.format(Locale.ROOT, "| `%s` | %.0f MiB | %.1f%% |\n", en.getKey(),
            en.getValue() / 1048576.0, 100.0 * en.getValue() / Math.max(1, total))));
  }
}
