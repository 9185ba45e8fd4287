package io.portcullis.oauth;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The authorization server's state in one JSON file, rewritten atomically on every change (a
 * temporary file, forced to disk, renamed over the old one) on a worker thread; a snapshot older
 * than the one already on disk is not written. Given
 * inline (PORTCULLIS_OAUTH_STATE, for read-only secret mounts) the state is read-only: changes
 * live in memory until the process ends.
 */
public final class FileOAuthStore implements OAuthStore {
  private static final Logger LOG = LoggerFactory.getLogger(FileOAuthStore.class);
  private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /** The file's content. */
  record Snapshot(List<OAuthState.Client> clients, List<OAuthState.Refresh> refreshTokens,
      Map<String, Long> revokedFamilies, Map<String, Long> revokedAccessTokens) {
    Snapshot {
      clients = clients == null ? List.of() : clients;
      refreshTokens = refreshTokens == null ? List.of() : refreshTokens;
      revokedFamilies = revokedFamilies == null ? Map.of() : revokedFamilies;
      revokedAccessTokens = revokedAccessTokens == null ? Map.of() : revokedAccessTokens;
    }
  }

  private final Vertx vertx;
  private final Path file;
  private final Map<String, OAuthState.Client> clients = new ConcurrentHashMap<>();
  private final Map<String, OAuthState.Refresh> refreshTokens = new ConcurrentHashMap<>();
  /** Revoked families and access tokens, each with the time (ms) after which no token of it can still be valid. */
  private final Map<String, Long> revokedFamilies = new ConcurrentHashMap<>();
  private final Map<String, Long> revokedAccessTokens = new ConcurrentHashMap<>();
  /** Numbers the snapshots in the order they are taken: a later one holds every change of an earlier one. */
  private final AtomicLong snapshotsTaken = new AtomicLong();
  /** The number of the snapshot on disk (guarded by the write lock). */
  private long snapshotOnDisk;
  /** Runs on the worker before each write, outside its lock (tests hold a write back with it). */
  volatile Runnable beforeWrite = () -> { };

  private FileOAuthStore(Vertx vertx, Path file) {
    this.vertx = vertx;
    this.file = file;
  }

  /**
   * Loads the state: inline JSON when given, else the file (a missing file is an empty state).
   *
   * @throws IOException naming the file when it cannot be read or is not a state file
   */
  public static FileOAuthStore open(Vertx vertx, Path file, String inline) throws IOException {
    FileOAuthStore store = new FileOAuthStore(vertx, inline == null ? file : null);
    Snapshot snapshot;
    if (inline != null) {
      snapshot = parse(inline.getBytes(java.nio.charset.StandardCharsets.UTF_8), "PORTCULLIS_OAUTH_STATE");
    } else if (Files.exists(file)) {
      snapshot = parse(Files.readAllBytes(file), file.toString());
    } else {
      LOG.info("OAuth state file {} does not exist yet; starting with no registered clients", file);
      snapshot = new Snapshot(List.of(), List.of(), Map.of(), Map.of());
    }
    long now = System.currentTimeMillis();
    snapshot.clients().forEach(c -> store.clients.put(c.clientId(), c));
    snapshot.refreshTokens().stream().filter(r -> r.expiresAt() > now).forEach(r -> store.refreshTokens.put(r.hash(), r));
    snapshot.revokedFamilies().forEach((family, until) -> {
      if (until > now) {
        store.revokedFamilies.put(family, until);
      }
    });
    snapshot.revokedAccessTokens().forEach((jti, until) -> {
      if (until > now) {
        store.revokedAccessTokens.put(jti, until);
      }
    });
    return store;
  }

  private static Snapshot parse(byte[] bytes, String where) throws IOException {
    try {
      Snapshot snapshot = JSON.readValue(bytes, new TypeReference<Snapshot>() { });
      if (snapshot == null) {
        throw new IOException("empty");
      }
      return snapshot;
    } catch (IOException e) {
      throw new IOException("the OAuth state in " + where + " is not readable (" + e.getMessage().lines().findFirst().orElse("")
          + "); restore it from a backup, or remove it to start with no registered clients", e);
    }
  }

  @Override
  public Optional<OAuthState.Client> client(String clientId) {
    return Optional.ofNullable(clientId == null ? null : clients.get(clientId));
  }

  @Override
  public Future<Boolean> register(OAuthState.Client client, int maxClients, long unusedBefore) {
    OAuthState.Client before;
    OAuthState.Client madeRoom = null;
    synchronized (clients) {
      clients.values().removeIf(c -> c.unusedSince(unusedBefore));
      if (clients.size() >= maxClients) {
        // The oldest client that never obtained a token makes room: refusing everyone would let
        // anyone keep registration closed with a trickle of registrations of their own.
        madeRoom = clients.values().stream().filter(OAuthState.Client::unused)
            .min(java.util.Comparator.comparingLong(OAuthState.Client::createdAt)).orElse(null);
        if (madeRoom == null) {
          return Future.succeededFuture(false);
        }
        clients.remove(madeRoom.clientId());
      }
      before = clients.put(client.clientId(), client);
    }
    OAuthState.Client forgotten = madeRoom;
    return undoneIfNotWritten(persist(), () -> {
      putBack(clients, client.clientId(), client, before);
      if (forgotten != null) {
        clients.putIfAbsent(forgotten.clientId(), forgotten);
      }
    }).map(true);
  }

  @Override
  public Optional<OAuthState.Refresh> refresh(String hash) {
    return Optional.ofNullable(refreshTokens.get(hash));
  }

  @Override
  public Future<Void> saveRefresh(List<OAuthState.Refresh> records) {
    Map<OAuthState.Refresh, OAuthState.Refresh> before = new java.util.HashMap<>();
    synchronized (refreshTokens) {
      // A family revoked since the caller read its record (a /revoke racing a rotation on another
      // event loop) stays revoked: what the rotation saves into it is saved revoked.
      records.forEach(r -> {
        OAuthState.Refresh saved = revokedFamilies.containsKey(r.family()) ? r.revokedNow() : r;
        before.put(saved, refreshTokens.put(r.hash(), saved));
        // In the same snapshot as its token; left so if the write fails: it came as far as an exchange.
        clients.computeIfPresent(r.clientId(), (id, c) -> c.unused() ? c.used() : c);
      });
    }
    return undoneIfNotWritten(persist(), () -> {
      synchronized (refreshTokens) {
        before.forEach((saved, previous) -> putBack(refreshTokens, saved.hash(), saved, previous));
      }
    });
  }

  @Override
  public Future<Void> revokeFamily(String family, long accessTokensUntilMillis) {
    synchronized (refreshTokens) {
      refreshTokens.replaceAll((hash, r) -> r.family().equals(family) ? r.revokedNow() : r);
      revokedFamilies.merge(family, accessTokensUntilMillis, Math::max);
    }
    return persist();
  }

  @Override
  public boolean familyRevoked(String family) {
    return family != null && revokedFamilies.containsKey(family);
  }

  @Override
  public Future<Void> revokeAccessToken(String jti, long expiresAtMillis) {
    revokedAccessTokens.put(jti, expiresAtMillis);
    return persist();
  }

  @Override
  public boolean accessTokenRevoked(String jti) {
    return jti != null && revokedAccessTokens.containsKey(jti);
  }

  /**
   * {@code written}, after running {@code undo} when it failed: a grant or registration the caller
   * must answer "try again" for is not in memory either, so the retry is a first use, not a replay.
   */
  private Future<Void> undoneIfNotWritten(Future<Void> written, Runnable undo) {
    return written.recover(failure -> {
      undo.run();
      // A snapshot taken before the undo and written after the failure holds what was undone.
      persist();
      return Future.failedFuture(failure);
    });
  }

  /** Puts {@code previous} back under {@code key} (or removes the key) unless {@code saved} was changed since (say, revoked). */
  private static <T> void putBack(Map<String, T> map, String key, T saved, T previous) {
    if (previous == null) {
      map.remove(key, saved);
    } else {
      map.replace(key, saved, previous);
    }
  }

  /** Writes the whole state atomically; completes once it is on disk. */
  private Future<Void> persist() {
    if (file == null) {
      return Future.succeededFuture();
    }
    long sequence = snapshotsTaken.incrementAndGet();
    long now = System.currentTimeMillis();
    revokedFamilies.values().removeIf(until -> until <= now);
    revokedAccessTokens.values().removeIf(until -> until <= now);
    Snapshot snapshot = new Snapshot(List.copyOf(clients.values()),
        refreshTokens.values().stream().filter(r -> r.expiresAt() > now).toList(),
        Map.copyOf(revokedFamilies), Map.copyOf(revokedAccessTokens));
    // Ordered only within the caller's context: writes from two event loops can reach the lock in
    // either order, and an older snapshot written last would undo a revocation on restart.
    return vertx.executeBlocking(() -> {
      beforeWrite.run();
      write(sequence, snapshot);
      return null;
    }, true);
  }

  private synchronized void write(long sequence, Snapshot snapshot) throws IOException {
    if (sequence < snapshotOnDisk) {
      return;
    }
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path temporary = Files.createTempFile(parent, ".oauth-state", ".tmp");
    try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      channel.write(ByteBuffer.wrap(JSON.writeValueAsBytes(snapshot)));
      channel.force(true);
    }
    Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    snapshotOnDisk = sequence;
  }
}
