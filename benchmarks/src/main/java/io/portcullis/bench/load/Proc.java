package io.portcullis.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** What Linux says about processes and the machine: CPU time and memory from /proc. */
final class Proc {
  private static final long TICKS_PER_SECOND = ticks();

  private Proc() {
  }

  /** CPU time (user + system) of {@code pid} and, when asked, all its descendants, in nanoseconds. */
  static long cpuNanos(long pid, boolean withDescendants) {
    long ticks = 0;
    for (long p : withDescendants(pid, withDescendants)) {
      try {
        String stat = Files.readString(Path.of("/proc/" + p + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // After "pid (comm) ": state is f[0]; utime is field 14 overall, f[11]; stime f[12].
        ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
      } catch (IOException | RuntimeException gone) {
        // the process ended meanwhile
      }
    }
    return ticks * (1_000_000_000L / TICKS_PER_SECOND);
  }

  /**
   * How the scheduler has treated each thread of {@code pid} and its descendants so far, from
   * each thread's {@code /proc/<pid>/task/<tid>/schedstat}: time spent runnable but waiting for a
   * CPU, in nanoseconds, and how many times it was put on a CPU. On a VM the wait includes waking
   * an idle virtual CPU. Compare two readings with {@link Scheduling#since}.
   */
  static Scheduling scheduling(long pid) {
    Map<Long, long[]> threads = new HashMap<>();
    for (long p : withDescendants(pid, true)) {
      try (Stream<Path> tasks = Files.list(Path.of("/proc/" + p + "/task"))) {
        for (Path task : tasks.toList()) {
          try {
            // "cpu time, run-queue wait, times run", all since the thread started.
            String[] f = Files.readString(task.resolve("schedstat")).trim().split(" ");
            threads.put(Long.parseLong(task.getFileName().toString()), new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
          } catch (IOException | RuntimeException gone) {
            // the thread ended meanwhile
          }
        }
      } catch (IOException | RuntimeException gone) {
        // the process ended meanwhile
      }
    }
    return new Scheduling(threads);
  }

  /** One reading of {@link #scheduling}: run-queue wait (nanoseconds) and times on a CPU, by thread id. */
  record Scheduling(Map<Long, long[]> threads) {
    /**
     * What the threads waited and ran between {@code earlier} and this reading: threads present in
     * both count their difference, threads started since count in full, threads that ended since
     * are lost (their last part with them).
     */
    Waited since(Scheduling earlier) {
      long waited = 0;
      long runs = 0;
      for (Map.Entry<Long, long[]> thread : threads.entrySet()) {
        long[] before = earlier.threads.getOrDefault(thread.getKey(), new long[2]);
        waited += thread.getValue()[0] - before[0];
        runs += thread.getValue()[1] - before[1];
      }
      return new Waited(waited, runs);
    }
  }

  /** Run-queue wait (nanoseconds) and times put on a CPU of a process's threads over some span. */
  record Waited(long waitNanos, long runs) {
  }

  /** Resident set size of {@code pid} (and descendants), in bytes. */
  static long rssBytes(long pid, boolean withDescendants) {
    long kb = 0;
    for (long p : withDescendants(pid, withDescendants)) {
      kb += statusField(p, "VmRSS:");
    }
    return kb * 1024;
  }

  /** {@code pid}, and its descendants when asked (nginx's workers, for one). */
  private static List<Long> withDescendants(long pid, boolean descendants) {
    List<Long> pids = new ArrayList<>();
    pids.add(pid);
    if (descendants) {
      ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> pids.add(d.pid())));
    }
    return pids;
  }

  private static long statusField(long pid, String name) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith(name)) {
          return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException gone) {
      // ended
    }
    return 0;
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "?";
    }
  }

  static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      // fall through
    }
    return "?";
  }

  static String memory() {
    long kb = statusLike("/proc/meminfo", "MemTotal:");
    return kb <= 0 ? "?" : Math.round(kb / 1024.0 / 1024.0) + " GiB";
  }

  private static long statusLike(String file, String name) {
    try {
      for (String line : Files.readAllLines(Path.of(file))) {
        if (line.startsWith(name)) {
          return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // fall through
    }
    return -1;
  }

  static String os() {
    String pretty = "Linux";
    try {
      for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
        if (line.startsWith("PRETTY_NAME=")) {
          pretty = line.substring("PRETTY_NAME=".length()).replace("\"", "");
        }
      }
    } catch (IOException e) {
      // keep the default
    }
    return pretty + ", kernel " + System.getProperty("os.version");
  }

  /** Runs a short command and returns its first line of output (stdout and stderr), or "?". */
  static String firstLine(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor(10, TimeUnit.SECONDS);
      return out.isEmpty() ? "?" : out.lines().findFirst().orElse("?");
    } catch (IOException | InterruptedException e) {
      return "?";
    }
  }

  private static long ticks() {
    String t = firstLine("getconf", "CLK_TCK");
    try {
      return Long.parseLong(t.trim());
    } catch (NumberFormatException e) {
      return 100;
    }
  }
}
