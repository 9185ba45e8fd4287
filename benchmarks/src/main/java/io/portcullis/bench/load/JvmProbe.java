package io.portcullis.bench.load;

import com.sun.tools.attach.VirtualMachine;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * The gateway JVM seen through JMX: the harness attaches to the child process (Attach API),
 * starts its local management agent and reads heap and GC figures, forces a GC and takes class
 * histograms through the DiagnosticCommand MBean. Nothing runs in the gateway unless asked.
 */
final class JvmProbe implements AutoCloseable {
  private final JMXConnector connector;
  private final MemoryMXBean memory;
  private final List<GarbageCollectorMXBean> collectors;
  private final MBeanServerConnection mbs;
  private final java.lang.management.CompilationMXBean compilation;

  private JvmProbe(JMXConnector connector) throws Exception {
    this.connector = connector;
    this.mbs = connector.getMBeanServerConnection();
    this.memory = ManagementFactory.newPlatformMXBeanProxy(mbs, ManagementFactory.MEMORY_MXBEAN_NAME, MemoryMXBean.class);
    this.collectors = ManagementFactory.getPlatformMXBeans(mbs, GarbageCollectorMXBean.class);
    this.compilation = ManagementFactory.newPlatformMXBeanProxy(mbs, ManagementFactory.COMPILATION_MXBEAN_NAME,
        java.lang.management.CompilationMXBean.class);
  }

  /** Time the JIT compilers have spent so far, in ms (summed over compiler threads). */
  long compilationMillis() {
    return compilation.getTotalCompilationTime();
  }

  static JvmProbe attach(long pid) throws Exception {
    VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
    try {
      String address = vm.startLocalManagementAgent();
      return new JvmProbe(JMXConnectorFactory.connect(new JMXServiceURL(address)));
    } finally {
      vm.detach();
    }
  }

  long heapUsed() {
    return memory.getHeapMemoryUsage().getUsed();
  }

  long heapCommitted() {
    return memory.getHeapMemoryUsage().getCommitted();
  }

  /** Heap used after two full collections (System.gc() in the gateway). */
  long heapAfterGc() throws InterruptedException {
    memory.gc();
    Thread.sleep(200);
    memory.gc();
    Thread.sleep(200);
    return heapUsed();
  }

  /** Collections so far and their accumulated time, in ms: {count, millis}. */
  long[] gcTotals() {
    long count = 0;
    long millis = 0;
    for (GarbageCollectorMXBean gc : collectors) {
      count += Math.max(0, gc.getCollectionCount());
      millis += Math.max(0, gc.getCollectionTime());
    }
    return new long[] {count, millis};
  }

  /** {@code GC.class_histogram} (which collects first): class name to {instances, bytes}. */
  Map<String, long[]> classHistogram() throws Exception {
    String text = (String) mbs.invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
        new Object[] {new String[0]}, new String[] {String[].class.getName()});
    Map<String, long[]> classes = new HashMap<>();
    for (String line : text.lines().toList()) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 4 && f[0].endsWith(":")) {
        try {
          classes.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
        } catch (NumberFormatException e) {
          // header or total line
        }
      }
    }
    return classes;
  }

  /** Starts a JFR recording (profile settings) in the gateway, to be written to {@code file} when stopped. */
  void jfrStart(String name, java.nio.file.Path file) throws Exception {
    diagnostic("jfrStart", "name=" + name, "settings=profile", "filename=" + file);
  }

  /** Stops the recording and writes its file. */
  void jfrStop(String name) throws Exception {
    diagnostic("jfrStop", "name=" + name);
  }

  private String diagnostic(String operation, String... args) throws Exception {
    return String.valueOf(mbs.invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"), operation,
        new Object[] {args}, new String[] {String[].class.getName()}));
  }

  /** The classes whose heap grew most between two histograms: {name, instances delta, bytes delta}. */
  static List<Object[]> growth(Map<String, long[]> before, Map<String, long[]> after, int top) {
    List<Object[]> rows = new ArrayList<>();
    for (var e : after.entrySet()) {
      long[] b = before.getOrDefault(e.getKey(), new long[] {0, 0});
      long dBytes = e.getValue()[1] - b[1];
      if (dBytes > 0) {
        rows.add(new Object[] {e.getKey(), e.getValue()[0] - b[0], dBytes});
      }
    }
    rows.sort((x, y) -> Long.compare((long) y[2], (long) x[2]));
    return rows.subList(0, Math.min(top, rows.size()));
  }

  @Override
  public void close() {
    try {
      connector.close();
    } catch (Exception e) {
      // the gateway may be gone
    }
  }
}
