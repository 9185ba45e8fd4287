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
 * in steady state, since an evaluation never yields its thread).
 */
final class WasmInstancePool {
  private static final Logger LOG = LoggerFactory.getLogger(WasmInstancePool.class);

  private final Vertx vertx;
  private final WasmBundle bundle;
  private final int maxInstances;
  private final LinkedBlockingDeque<OpaPolicy> idle = new LinkedBlockingDeque<>();
  private final AtomicInteger instances = new AtomicInteger();
  private final AtomicBoolean growing = new AtomicBoolean();
  private final int decisionEntrypoint;
  private final int decisionsEntrypoint;
  private volatile boolean closed;

  private WasmInstancePool(Vertx vertx, WasmBundle bundle, int maxInstances, OpaPolicy first) {
    this.vertx = vertx;
    this.bundle = bundle;
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
      pool = new WasmInstancePool(vertx, bundle, maxInstances, first);
    } catch (IllegalArgumentException e) {
      throw new PolicyLoadException("the built policy " + bundle.revision() + " lacks an entrypoint: " + e.getMessage(), e);
    }
    try {
      first.entrypoint(pool.decisionEntrypoint).evaluate(probe);
      first.entrypoint(pool.decisionsEntrypoint).evaluate("{\"items\":[" + probe + "]}");
    } catch (RuntimeException e) {
      throw new PolicyLoadException("the policy " + bundle.revision() + " fails its test evaluation: " + e.getMessage(), e);
    }
    return pool;
  }

  WasmBundle bundle() {
    return bundle;
  }

  /**
   * A pool for {@code next}, whose Wasm module is this pool's: the idle instances move over with
   * the new data document instead of being compiled again, which is most of a reload's time when
   * only data.json changed. Blocking (call on a worker thread). Returns null when no instance is
   * idle to test-load, so that the caller builds afresh; throws {@link PolicyLoadException} when
   * the new data fails the test evaluation (this pool keeps serving).
   */
  WasmInstancePool withData(WasmBundle next, String probe) {
    OpaPolicy first = idle.pollFirst();
    if (first == null) {
      return null;
    }
    instances.decrementAndGet();
    WasmInstancePool pool;
    try {
      first.data(next.data());
      pool = new WasmInstancePool(vertx, next, maxInstances, first);
      first.entrypoint(pool.decisionEntrypoint).evaluate(probe);
      first.entrypoint(pool.decisionsEntrypoint).evaluate("{\"items\":[" + probe + "]}");
    } catch (RuntimeException e) {
      throw new PolicyLoadException("the policy " + next.revision() + " fails its test evaluation: " + e.getMessage(), e);
    }
    for (OpaPolicy moved = idle.pollFirst(); moved != null; moved = idle.pollFirst()) {
      instances.decrementAndGet();
      moved.data(next.data());
      pool.instances.incrementAndGet();
      pool.idle.offerLast(moved);
    }
    return pool;
  }

  int instances() {
    return instances.get();
  }

  /** Evaluates {@code data.mcp.authz.decision} for the input JSON; completes with OPA's result set JSON. */
  Future<String> evaluateDecision(String input, Duration timeout) {
    return evaluate(decisionEntrypoint, input, timeout);
  }

  /** Evaluates {@code data.mcp.authz.decisions} for an input JSON holding {@code items}. */
  Future<String> evaluateDecisions(String input, Duration timeout) {
    return evaluate(decisionsEntrypoint, input, timeout);
  }

  private Future<String> evaluate(int entrypoint, String input, Duration timeout) {
    OpaPolicy policy = idle.pollFirst();
    if (policy != null) {
      try {
        return Future.succeededFuture(run(policy, entrypoint, input));
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    }
    grow(instances.get() + 1);
    return vertx.executeBlocking(() -> {
      OpaPolicy lent = idle.pollFirst(timeout.toNanos(), TimeUnit.NANOSECONDS);
      if (lent == null) {
        throw new TimeoutException("no policy instance was free within " + timeout.toMillis() + " ms");
      }
      return run(lent, entrypoint, input);
    }, false);
  }

  private String run(OpaPolicy policy, int entrypoint, String input) {
    // The module resets its heap before every evaluation, so an instance whose evaluation raised
    // an exception stays usable; one that overflowed the stack is dropped all the same.
    boolean reusable = true;
    try {
      return policy.entrypoint(entrypoint).evaluate(input);
    } catch (StackOverflowError e) {
      reusable = false;
      throw new IllegalStateException("the policy evaluation overflowed the stack", e);
    } finally {
      if (reusable) {
        idle.offerFirst(policy);
      } else {
        instances.decrementAndGet();
      }
    }
  }

  /** Builds instances in the background, one at a time, until there are {@code target} (at most the maximum). */
  void grow(int target) {
    int goal = Math.min(target, maxInstances);
    if (closed || instances.get() >= goal || !growing.compareAndSet(false, true)) {
      return;
    }
    vertx.executeBlocking(() -> {
      while (!closed && instances.get() < goal) {
        OpaPolicy built = instance(bundle);
        instances.incrementAndGet();
        idle.offerLast(built);
      }
      return null;
    }, false).onComplete(ar -> {
      growing.set(false);
      if (ar.failed()) {
        LOG.warn("cannot add an instance of policy {}: {}", bundle.revision(), ar.cause().getMessage());
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
  }

  private static OpaPolicy instance(WasmBundle bundle) {
    OpaPolicy policy = OpaPolicy.builder().withPolicy(bundle.wasm()).build();
    policy.data(bundle.data());
    return policy;
  }
}
