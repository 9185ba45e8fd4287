package io.portcullis.policy;

import com.styra.opa.wasm.OpaPolicy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ready-to-evaluate instances of one Wasm bundle. An {@link OpaPolicy} is not thread-safe and
 * takes a fraction of a second to build (Chicory compiles the module to bytecode), so instances
 * are built on worker threads and lent to one caller at a time. A caller that finds one idle
 * evaluates on its own thread, an event loop included (microseconds); a caller that finds none
 * waits for one on a worker thread, never on the event loop, and the pool grows in the
 * background, up to {@code maxInstances}, to the concurrency it sees (at most one per event loop
 * in steady state, since an evaluation never yields its thread). Evaluation cannot be
 * interrupted, so a slow one holds its thread until it ends; its answer is then discarded as an
 * error if it came after the timeout.
 */
final class WasmInstancePool {
  private static final Logger LOG = LoggerFactory.getLogger(WasmInstancePool.class);

  /** The bundle in force and its number: an instance lent with an older number gets this data first. */
  private record Generation(int number, WasmBundle bundle) {
  }

  private final Vertx vertx;
  /**
   * Instances are compiled here, apart from the shared worker pool where waiting callers park:
   * under load those waiters could otherwise take every worker and leave none to build the
   * instance they wait for.
   */
  private final io.vertx.core.WorkerExecutor builder;
  private volatile Generation current;
  private final java.util.Map<OpaPolicy, Integer> generationOf = java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());
  private final int maxInstances;
  private final LinkedBlockingDeque<OpaPolicy> idle = new LinkedBlockingDeque<>();
  private final AtomicInteger instances = new AtomicInteger();
  private final AtomicBoolean growing = new AtomicBoolean();
  private final int decisionEntrypoint;
  private final int decisionsEntrypoint;
  private final String probe;
  private volatile boolean closed;

  private WasmInstancePool(Vertx vertx, WasmBundle bundle, int maxInstances, OpaPolicy first, String probe) {
    this.vertx = vertx;
    this.probe = probe;
    this.builder = vertx.createSharedWorkerExecutor("portcullis-policy-instances", 1);
    this.current = new Generation(0, bundle);
    generationOf.put(first, 0);
    this.maxInstances = maxInstances;
    this.decisionEntrypoint = first.findEntrypoint(WasmBundleBuilder.DECISION);
    this.decisionsEntrypoint = first.findEntrypoint(WasmBundleBuilder.DECISIONS);
    instances.set(1);
    idle.add(first);
  }

  /**
   * Builds the first instance and checks that it evaluates {@code probe} on both entrypoints
   * without failing (blocking: call on a worker thread). Throws {@link PolicyLoadException}.
   */
  static WasmInstancePool load(Vertx vertx, WasmBundle bundle, int maxInstances, String probe) {
    OpaPolicy first;
    try {
      first = instance(bundle);
    } catch (RuntimeException e) {
      throw new PolicyLoadException("the built policy " + bundle.revision() + " cannot be instantiated: " + e.getMessage(), e);
    }
    WasmInstancePool pool;
    try {
      pool = new WasmInstancePool(vertx, bundle, maxInstances, first, probe);
    } catch (IllegalArgumentException e) {
      throw new PolicyLoadException("the built policy " + bundle.revision() + " lacks an entrypoint: " + e.getMessage(), e);
    }
    try {
      pool.probe(first);
    } catch (RuntimeException e) {
      throw new PolicyLoadException("the policy " + bundle.revision() + " fails its test evaluation: " + e.getMessage(), e);
    }
    return pool;
  }

  WasmBundle bundle() {
    return current.bundle();
  }

  /**
   * Replaces the data document in place, for a bundle whose Wasm module is this pool's: most of a
   * reload's time is compiling instances, and the module is byte-identical when only data.json
   * changed. The new data is test-loaded on one idle instance first (waiting up to 200 ms for
   * one); then every instance picks it up the next time it is lent. Blocking (a worker thread).
   * Returns false when no instance became idle in time (the caller then builds afresh); throws
   * {@link PolicyLoadException} when the new data fails the test evaluation (nothing changes).
   */
  boolean replaceData(WasmBundle next) {
    OpaPolicy trial;
    try {
      trial = idle.pollFirst(200, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    if (trial == null) {
      return false;
    }
    Generation now = current;
    try {
      trial.data(next.data());
      probe(trial);
    } catch (RuntimeException e) {
      trial.data(now.bundle().data());
      idle.offerFirst(trial);
      throw new PolicyLoadException("the policy " + next.revision() + " fails its test evaluation: " + e.getMessage(), e);
    }
    Generation replaced = new Generation(now.number() + 1, next);
    generationOf.put(trial, replaced.number());
    current = replaced;
    idle.offerFirst(trial);
    return true;
  }

  int instances() {
    return instances.get();
  }

  /**
   * Evaluates {@code data.mcp.authz.decision} for the input JSON; completes with OPA's result set
   * JSON, or fails when the decision, a wait for an instance included, took longer than
   * {@code timeout} (see {@link #inTime}).
   */
  Future<String> evaluateDecision(String input, Duration timeout) {
    return evaluate(decisionEntrypoint, input, timeout, true);
  }

  /**
   * Evaluates {@code data.mcp.authz.decisions} for an input JSON holding {@code items}; only the
   * wait for an instance is bounded by {@code timeout}. One evaluation decides a whole list, so
   * under a pause it could overrun a single decision's budget and empty the list; and a list only
   * shows names: each call is still decided on its own, within the timeout.
   */
  Future<String> evaluateDecisions(String input, Duration timeout) {
    return evaluate(decisionsEntrypoint, input, timeout, false);
  }

  private Future<String> evaluate(int entrypoint, String input, Duration timeout, boolean wholeDecisionTimed) {
    long started = System.nanoTime();
    Duration budget = wholeDecisionTimed ? timeout : null;
    OpaPolicy policy = idle.pollFirst();
    if (policy != null) {
      try {
        return Future.succeededFuture(inTime(run(policy, entrypoint, input), started, budget));
      } catch (RuntimeException | TimeoutException e) {
        return Future.failedFuture(e);
      }
    }
    grow(instances.get() + 1);
    return vertx.executeBlocking(() -> {
      OpaPolicy lent = idle.pollFirst(timeout.toNanos(), TimeUnit.NANOSECONDS);
      if (lent == null) {
        throw new TimeoutException("no policy instance was free within " + timeout.toMillis() + " ms");
      }
      return inTime(run(lent, entrypoint, input), started, budget);
    }, false);
  }

  /**
   * The result of an evaluation that ended within {@code timeout} of {@code started} (any, when the
   * timeout is null). A later one does not count, whatever it says: the timeout bounds the whole
   * decision, a wait for an instance included, and a decision past it is an error (a deny), as an
   * OPA server's would be.
   */
  private static String inTime(String result, long started, Duration timeout) throws TimeoutException {
    long took = System.nanoTime() - started;
    if (timeout != null && took > timeout.toNanos()) {
      throw new TimeoutException("the policy took " + took / 1_000_000 + " ms to decide, over its timeout of " + timeout.toMillis() + " ms");
    }
    return result;
  }

  private String run(OpaPolicy policy, int entrypoint, String input) {
    // The module resets its heap before every evaluation, so an instance whose evaluation raised
    // an exception stays usable; one that overflowed the stack is dropped all the same.
    boolean reusable = true;
    try {
      Generation now = current;
      Integer has = generationOf.get(policy);
      if (has == null || has != now.number()) {
        policy.data(now.bundle().data());
        generationOf.put(policy, now.number());
      }
      return policy.entrypoint(entrypoint).evaluate(input);
    } catch (StackOverflowError e) {
      reusable = false;
      throw new IllegalStateException("the policy evaluation overflowed the stack", e);
    } finally {
      if (reusable) {
        idle.offerFirst(policy);
      } else {
        instances.decrementAndGet();
        generationOf.remove(policy);
      }
    }
  }

  /** Builds instances in the background, one at a time, until there are {@code target} (at most the maximum). */
  void grow(int target) {
    int goal = Math.min(target, maxInstances);
    if (closed || instances.get() >= goal || !growing.compareAndSet(false, true)) {
      return;
    }
    builder.executeBlocking(() -> {
      while (!closed && instances.get() < goal) {
        Generation now = current;
        OpaPolicy built = instance(now.bundle());
        // Warmed before it is lent: its first decision must not pay the warm-up against the timeout.
        probe(built);
        generationOf.put(built, now.number());
        instances.incrementAndGet();
        idle.offerLast(built);
      }
      return null;
    }, false).onComplete(ar -> {
      growing.set(false);
      if (ar.failed()) {
        LOG.warn("cannot add an instance of policy {}: {}", current.bundle().revision(), ar.cause().getMessage());
      }
    });
  }

  /**
   * Stops the pool from growing. It still serves the callers that hold it (a decision begun
   * before a reload finishes under the revision it began with, none fails for the swap); its
   * instances are garbage once the last of them lets go.
   */
  void close() {
    closed = true;
    builder.close();
  }

  /** Evaluates the probe input on both entrypoints (a test of the policy, and a warm-up of the instance). */
  private void probe(OpaPolicy policy) {
    policy.entrypoint(decisionEntrypoint).evaluate(probe);
    policy.entrypoint(decisionsEntrypoint).evaluate("{\"items\":[" + probe + "]}");
  }

  private static OpaPolicy instance(WasmBundle bundle) {
    OpaPolicy policy = OpaPolicy.builder().withPolicy(bundle.wasm()).build();
    policy.data(bundle.data());
    return policy;
  }
}
