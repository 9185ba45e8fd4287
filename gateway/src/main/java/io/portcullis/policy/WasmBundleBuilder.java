package io.portcullis.policy;

import io.portcullis.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a policy directory into a {@link WasmBundle} with {@code opa build -t wasm}, and keeps
 * built bundles in a cache directory keyed by the directory's content hash (and the {@code opa}
 * binary), so that restarting with an unchanged policy does not run {@code opa} again. The build
 * reads a snapshot of the files, so its revision names exactly what was built. Blocking: call it
 * on a worker thread.
 */
final class WasmBundleBuilder {
  static final String DECISION = "mcp/authz/decision";
  static final String DECISIONS = "mcp/authz/decisions";
  private static final Logger LOG = LoggerFactory.getLogger(WasmBundleBuilder.class);
  private static final long BUILD_TIMEOUT_SECONDS = 120;
  private static final String WASM = "policy.wasm";
  private static final String DATA = "data.json";

  private final Path opaBinary;
  private final Path cacheDir;
  private final PolicyCache cache;

  WasmBundleBuilder(Path opaBinary, Path cacheDir) {
    // opa runs inside the snapshot directory: a relative path would no longer find it (a bare name is looked up on PATH).
    this.opaBinary = opaBinary.getNameCount() > 1 ? opaBinary.toAbsolutePath() : opaBinary;
    this.cacheDir = cacheDir.toAbsolutePath();
    this.cache = new PolicyCache(this.cacheDir);
  }

  /**
   * The default cache: {@code portcullis-policy-cache-<user>} in the system temporary directory,
   * readable and writable by its owner only.
   */
  static Path defaultCacheDir() {
    String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9_.-]", "_");
    return Path.of(System.getProperty("java.io.tmpdir"), "portcullis-policy-cache-" + user);
  }

  /** Builds (or finds in the cache) the bundle for the directory's current contents. */
  WasmBundle build(PolicyDirectory directory) {
    Path work = null;
    try {
      boolean caching = cache.usable();
      work = caching ? Files.createTempDirectory(cacheDir, "build-") : Files.createTempDirectory("portcullis-policy-build-");
      Path source = work.resolve("policy");
      Files.createDirectories(source);
      String hash = directory.snapshot(source);
      PolicyReads reads = PolicyReads.scan(regoSources(source));
      Path cached = caching ? cacheDir.resolve(cacheKey(hash)) : null;
      if (cached != null && Files.isRegularFile(cached.resolve(WASM)) && Files.isRegularFile(cached.resolve(DATA))) {
        LOG.debug("policy {} found built in {}", hash.substring(0, 12), cached);
        Files.setLastModifiedTime(cached, FileTime.from(Instant.now()));
        return read(hash, cached, reads);
      }
      Path bundle = work.resolve("bundle.tar.gz");
      runOpaBuild(directory.root(), source, bundle);
      Path out = work.resolve("out");
      extract(bundle, out);
      WasmBundle built = read(hash, out, reads);
      if (cached != null) {
        publish(out, cached);
        cache.prune();
      }
      return built;
    } catch (IOException e) {
      throw new PolicyLoadException("cannot build the policy in " + directory.root() + ": " + e.getMessage(), e);
    } finally {
      deleteQuietly(work);
    }
  }

  private static WasmBundle read(String hash, Path dir, PolicyReads reads) throws IOException {
    return new WasmBundle(hash.substring(0, 12), hash, Files.readAllBytes(dir.resolve(WASM)),
        Files.readString(dir.resolve(DATA), StandardCharsets.UTF_8), reads);
  }

  /** The Rego files of the snapshot, as text. */
  private static List<String> regoSources(Path source) throws IOException {
    try (Stream<Path> walk = Files.walk(source)) {
      List<Path> files = walk.filter(f -> f.getFileName().toString().endsWith(".rego")).sorted().toList();
      List<String> sources = new ArrayList<>();
      for (Path f : files) {
        sources.add(Files.readString(f, StandardCharsets.UTF_8));
      }
      return sources;
    }
  }

  private void runOpaBuild(Path directory, Path source, Path bundle) throws IOException {
    List<String> command = new ArrayList<>(List.of(opaBinary.toString(), "build", "-t", "wasm", "-e", DECISION, "-e", DECISIONS,
        ".", "-o", bundle.toString()));
    Process process;
    try {
      // Built from inside the snapshot so that opa names files relative to the policy directory.
      process = new ProcessBuilder(command).directory(source.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new PolicyLoadException("cannot run the opa binary " + opaBinary + " (set policy.opaBinary or PORTCULLIS_OPA): "
          + e.getMessage(), e);
    }
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!process.waitFor(BUILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new PolicyLoadException("opa build of " + directory + " did not finish within " + BUILD_TIMEOUT_SECONDS + " s");
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new PolicyLoadException("interrupted while building the policy in " + directory, e);
    }
    if (process.exitValue() != 0) {
      throw new PolicyLoadException("the policy in " + directory + " does not build (opa build exit " + process.exitValue()
          + "):\n" + output.strip());
    }
  }

  private static void extract(Path bundle, Path out) throws IOException {
    Map<String, byte[]> files = TarGz.read(bundle, Set.of(WASM, DATA));
    if (!files.containsKey(WASM)) {
      throw new PolicyLoadException("opa build wrote no " + WASM + " into " + bundle);
    }
    Files.createDirectories(out);
    Files.write(out.resolve(WASM), files.get(WASM));
    Files.write(out.resolve(DATA), files.getOrDefault(DATA, "{}".getBytes(StandardCharsets.UTF_8)));
  }

  private static void publish(Path out, Path cached) {
    try {
      Files.move(out, cached, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      // Another gateway on this host built the same policy first (its copy is as good), or the
      // cache cannot be written: either way this build is used as it is.
      LOG.debug("policy not cached at {}: {}", cached, e.getMessage());
    }
  }

  private String cacheKey(String contentHash) {
    StringBuilder identity = new StringBuilder(contentHash).append('\n').append(DECISION).append(',').append(DECISIONS);
    Path opa = opaBinary.toAbsolutePath();
    identity.append('\n').append(opa);
    try {
      identity.append('\n').append(Files.size(opa)).append('\n').append(Files.getLastModifiedTime(opa).toMillis());
    } catch (IOException e) {
      identity.append("\nunknown");
    }
    byte[] digest = Sha256.of(identity.toString());
    return HexFormat.of().formatHex(digest, 0, 16);
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.debug("cannot remove {}: {}", dir, e.getMessage());
    }
  }
}
