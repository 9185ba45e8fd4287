package io.portcullis.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded engine: the Rego in a directory, built to Wasm by the {@code opa} binary and
 * evaluated in-process (opa-java-wasm on Chicory). {@link #start()} builds on a worker thread and
 * fails with a {@link PolicyLoadException} carrying {@code opa}'s message when the policy does not
 * build. Decisions are evaluated on the caller's thread when an instance is idle, in
 * microseconds. With {@code watch}, edits to the directory are rebuilt, test-evaluated and
 * swapped in atomically; a failed reload keeps the last good policy and shows in
 * {@link #status()}. The revision is the short SHA-256 of the directory's policy files.
 */
public final class WasmPolicyEngine implements PolicyEngine {
  static final String NO_REVISION = "none";
  static final long WATCH_INTERVAL_MILLIS = 100;
  private static final Logger LOG = LoggerFactory.getLogger(WasmPolicyEngine.class);
  private static final String PROBE = "{\"action\":\"ping\",\"principal\":{},\"target\":{},\"arguments\":{},\"session\":{},\"request\":{}}";

  private final Vertx vertx;
  private final PolicyDirectory directory;
  private final WasmBundleBuilder builder;
  private final Duration timeout;
  private final boolean watch;
  private final int maxInstances;
  private final int decisionCacheEntries;
  private volatile DecisionCache cache;
  private final AtomicReference<WasmInstancePool> current = new AtomicReference<>();
  private volatile String lastError;
  private volatile String fingerprint;
  private volatile boolean stopped;
  /** The latest reload (building with opa into the cache directory); incomplete while one is under way. */
  private volatile Future<Void> reloading = Future.succeededFuture();
  private long watchTimer = -1;

  /**
   * An engine with the bundle cache in the system temporary directory, one instance per default
   * event loop at most, and a decision cache of {@code decisionCacheEntries} (0: none).
   */
  public WasmPolicyEngine(Vertx vertx, Path directory, Path opaBinary, Duration timeout, boolean watch, int decisionCacheEntries) {
    this(vertx, directory, opaBinary, timeout, watch, WasmBundleBuilder.defaultCacheDir(), VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE,
        decisionCacheEntries);
  }

  /**
   * @param directory    the policy directory (Rego and data files)
   * @param opaBinary    the {@code opa} that builds it (see {@link OpaBinary#locate})
   * @param timeout      how long a decision may take, waiting for a free policy instance included;
   *                     one that takes longer is an error, whatever the policy answered
   * @param watch        whether to reload when the directory's files change
   * @param cacheDir     where built bundles are kept by content hash
   * @param maxInstances the most policy instances kept (one per event loop suffices)
   * @param decisionCacheEntries how many decisions of a deterministic policy are kept for
   *                     repeated inputs (0: every decision is evaluated); see {@link DecisionCache}
   */
  public WasmPolicyEngine(Vertx vertx, Path directory, Path opaBinary, Duration timeout, boolean watch, Path cacheDir,
      int maxInstances, int decisionCacheEntries) {
    if (maxInstances < 1) {
      throw new IllegalArgumentException("maxInstances must be at least 1, got " + maxInstances);
    }
    if (decisionCacheEntries < 0) {
      throw new IllegalArgumentException("decisionCacheEntries must not be negative, got " + decisionCacheEntries);
    }
    this.decisionCacheEntries = decisionCacheEntries;
    this.vertx = vertx;
    this.directory = new PolicyDirectory(directory);
    this.builder = new WasmBundleBuilder(opaBinary, cacheDir);
    this.timeout = timeout;
    this.watch = watch;
    this.maxInstances = maxInstances;
  }

  @Override
  public Future<Void> start() {
    long began = System.nanoTime();
    return vertx.executeBlocking(() -> {
      String seen = directory.fingerprint();
      WasmInstancePool pool = load();
      fingerprint = seen;
      return pool;
    }, false).onSuccess(pool -> {
      if (stopped) {
        pool.close();
        return;
      }
      current.set(pool);
      lastError = null;
      LOG.info("policy {} loaded from {} in {} ms ({})", pool.bundle().revision(), directory.root(),
          (System.nanoTime() - began) / 1_000_000, describe(pool.bundle().reads()));
      if (watch) {
        watchTimer = vertx.setPeriodic(WATCH_INTERVAL_MILLIS, id -> check());
      }
    }).onFailure(e -> lastError = PolicyJson.why(e)).mapEmpty();
  }

  @Override
  public Future<Decision> decide(ObjectNode input) {
    String id = PolicyJson.newDecisionId();
    WasmInstancePool pool = current.get();
    if (pool == null) {
      return Future.succeededFuture(Decision.error(id, NO_REVISION, "no policy is loaded"));
    }
    WasmBundle bundle = pool.bundle();
    String revision = bundle.revision();
    try {
      String json = PolicyJson.write(asSeen(input, bundle.reads()));
      DecisionCache decided = cacheFor(bundle);
      Decision known = decided == null ? null : decided.find(json, id);
      if (known != null) {
        return Future.succeededFuture(known);
      }
      return pool.evaluateDecision(json, timeout)
          .map(resultSet -> remember(decided, json, DecisionReader.read(result(resultSet), id, revision)))
          .otherwise(e -> Decision.error(id, revision, failure(id, e)));
    } catch (RuntimeException e) {
      return Future.succeededFuture(Decision.error(id, revision, failure(id, e)));
    }
  }

  /**
   * Items already decided are answered from the cache; the others are evaluated together in one
   * call of {@code data.mcp.authz.decisions}.
   */
  @Override
  public Future<List<Decision>> decideAll(List<ObjectNode> inputs) {
    List<String> ids = PolicyJson.newDecisionIds(inputs.size());
    WasmInstancePool pool = current.get();
    if (inputs.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    if (pool == null) {
      return Future.succeededFuture(DecisionReader.errors(ids, NO_REVISION, "no policy is loaded"));
    }
    WasmBundle bundle = pool.bundle();
    String revision = bundle.revision();
    try {
      DecisionCache decided = cacheFor(bundle);
      Decision[] decisions = new Decision[inputs.size()];
      List<String> unknown = new java.util.ArrayList<>();
      List<Integer> unknownAt = new java.util.ArrayList<>();
      for (int i = 0; i < inputs.size(); i++) {
        String json = PolicyJson.write(asSeen(inputs.get(i), bundle.reads()));
        decisions[i] = decided == null ? null : decided.find(json, ids.get(i));
        if (decisions[i] == null) {
          unknown.add(json);
          unknownAt.add(i);
        }
      }
      if (unknown.isEmpty()) {
        return Future.succeededFuture(List.of(decisions));
      }
      List<String> unknownIds = unknownAt.stream().map(ids::get).toList();
      return pool.evaluateDecisions("{\"items\":[" + String.join(",", unknown) + "]}", timeout)
          .map(resultSet -> DecisionReader.readAll(result(resultSet), unknownIds, revision))
          .otherwise(e -> DecisionReader.errors(unknownIds, revision, failure(unknownIds.get(0), e)))
          .map(evaluated -> {
            for (int k = 0; k < evaluated.size(); k++) {
              decisions[unknownAt.get(k)] = remember(decided, unknown.get(k), evaluated.get(k));
            }
            return List.of(decisions);
          });
    } catch (RuntimeException e) {
      return Future.succeededFuture(DecisionReader.errors(ids, revision, failure(ids.get(0), e)));
    }
  }

  /** The input as the policy can see it: without the arguments when no rule reads them. */
  private static ObjectNode asSeen(ObjectNode input, PolicyReads reads) {
    if (reads.arguments() || !input.has("arguments")) {
      return input;
    }
    ObjectNode seen = PolicyJson.MAPPER.createObjectNode();
    seen.setAll(input);
    seen.remove("arguments");
    return seen;
  }

  /** The decision cache of this bundle's revision, or null when decisions must always be evaluated. */
  private DecisionCache cacheFor(WasmBundle bundle) {
    if (decisionCacheEntries == 0 || !bundle.reads().deterministic()) {
      return null;
    }
    DecisionCache known = cache;
    if (known == null || !known.revision().equals(bundle.revision())) {
      known = new DecisionCache(bundle.revision(), decisionCacheEntries);
      cache = known;
    }
    return known;
  }

  private static Decision remember(DecisionCache decided, String input, Decision decision) {
    if (decided != null) {
      decided.keep(input, decision);
    }
    return decision;
  }

  /** How many decisions were answered from the cache since the current revision was loaded (tests, diagnostics). */
  long cachedDecisions() {
    DecisionCache known = cache;
    return known == null ? 0 : known.hits();
  }

  private String describe(PolicyReads reads) {
    String caching = decisionCacheEntries == 0 ? "decision cache off"
        : reads.deterministic() ? "repeated inputs answered from a cache of " + decisionCacheEntries
        : "no decision cache: the policy calls a non-deterministic built-in";
    return caching + (reads.arguments() ? "; reads tool arguments" : "; arguments not read, left out of its input");
  }

  @Override
  public String revision() {
    WasmInstancePool pool = current.get();
    return pool == null ? NO_REVISION : pool.bundle().revision();
  }

  @Override
  public PolicyStatus status() {
    WasmInstancePool pool = current.get();
    return new PolicyStatus(pool != null, pool == null ? NO_REVISION : pool.bundle().revision(), lastError);
  }

  /** Stops watching and releases the policy; completes once a reload under way has finished too. */
  @Override
  public Future<Void> stop() {
    stopped = true;
    if (watchTimer != -1) {
      vertx.cancelTimer(watchTimer);
    }
    WasmInstancePool pool = current.getAndSet(null);
    if (pool != null) {
      pool.close();
    }
    // A reload that finishes after this closes what it built (swap sees stopped); waiting for it
    // means nothing writes to the build cache once the engine has stopped.
    return reloading;
  }

  /** Blocking: builds the directory and loads the bundle's first instance. */
  private WasmInstancePool load() {
    WasmBundle bundle = builder.build(directory);
    return WasmInstancePool.load(vertx, bundle, maxInstances, PROBE);
  }

  /** One watch tick: when the directory's files changed, rebuild, test-load, and swap. */
  private void check() {
    // Ticks come from one timer, so on one thread: a tick finding a reload under way skips.
    if (stopped || !reloading.isComplete()) {
      return;
    }
    Promise<Void> finished = Promise.promise();
    reloading = finished.future();
    // Read after publishing the reload: either stop() waits for it, or it sees stop() and never starts.
    if (stopped) {
      finished.complete();
      return;
    }
    vertx.executeBlocking(this::reloadIfChanged, false).onComplete(ar -> {
      try {
        if (ar.failed()) {
          String why = PolicyJson.why(ar.cause());
          if (!why.equals(lastError)) {
            LOG.warn("policy reload failed, keeping revision {}: {}", revision(), why);
          }
          lastError = why;
        } else if (ar.result() != null) {
          swap(ar.result());
        }
      } finally {
        finished.complete();
      }
    });
  }

  private WasmInstancePool reloadIfChanged() throws IOException {
    String seen = directory.fingerprint();
    if (seen.equals(fingerprint)) {
      return null;
    }
    fingerprint = seen;
    WasmBundle bundle = builder.build(directory);
    WasmInstancePool old = current.get();
    if (old != null && old.bundle().contentHash().equals(bundle.contentHash())) {
      lastError = null;
      return null;
    }
    if (old != null && java.util.Arrays.equals(old.bundle().wasm(), bundle.wasm())) {
      String replaced = old.bundle().revision();
      if (old.replaceData(bundle)) {
        lastError = null;
        LOG.info("policy data reloaded from {}: revision {} replaces {}", directory.root(), bundle.revision(), replaced);
        return null;
      }
    }
    return WasmInstancePool.load(vertx, bundle, maxInstances, PROBE);
  }

  private void swap(WasmInstancePool pool) {
    if (stopped) {
      pool.close();
      return;
    }
    WasmInstancePool old = current.getAndSet(pool);
    lastError = null;
    if (old != null) {
      pool.grow(old.instances());
      old.close();
    }
    LOG.info("policy reloaded from {}: revision {} replaces {} ({})", directory.root(), pool.bundle().revision(),
        old == null ? NO_REVISION : old.bundle().revision(), describe(pool.bundle().reads()));
  }

  /** The {@code result} of OPA's result set, or null when the set is empty (undefined). */
  private static JsonNode result(String resultSet) {
    JsonNode set;
    try {
      set = PolicyJson.MAPPER.readTree(resultSet);
    } catch (IOException e) {
      throw new IllegalStateException("the policy returned unreadable JSON", e);
    }
    if (set == null || !set.isArray() || set.isEmpty()) {
      return null;
    }
    return set.get(0).get("result");
  }

  private static String failure(String decisionId, Throwable e) {
    LOG.warn("policy decision {} failed: {}", decisionId, PolicyJson.why(e));
    return "policy evaluation failed: " + PolicyJson.why(e);
  }
}
