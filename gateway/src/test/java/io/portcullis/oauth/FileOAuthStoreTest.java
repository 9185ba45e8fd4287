package io.portcullis.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileOAuthStoreTest {
  @TempDir
  Path dir;
  final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static OAuthState.Client client(String id) {
    return client(id, 0);
  }

  private static OAuthState.Client client(String id, long registeredAt) {
    return new OAuthState.Client(id, null, "none", id, List.of("http://127.0.0.1/cb"), registeredAt, true);
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aClientThatObtainedATokenIsStillUsedAfterARestartAndOnlyUnusedOnesAreForgotten() throws Exception {
    Path file = dir.resolve("state.json");
    FileOAuthStore store = FileOAuthStore.open(vertx, file, null);
    await(store.register(client("used"), 10, 0));
    await(store.register(client("unused"), 10, 0));
    OAuthState.Grant grant = new OAuthState.Grant("alice", List.of(), null, null, "http://127.0.0.1/mcp");
    await(store.saveRefresh(List.of(new OAuthState.Refresh("hash-1", "family-1", "used", grant,
        System.currentTimeMillis() + 3_600_000, 0, null, false))));

    FileOAuthStore reopened = FileOAuthStore.open(vertx, file, null);
    // Both registered at second 0: with unusedBefore 1, an unused one is forgotten.
    assertThat(await(reopened.register(client("third"), 2, 1))).as("a place freed by the unused client").isTrue();
    assertThat(reopened.client("unused")).isEmpty();
    assertThat(reopened.client("used")).isPresent();
    assertThat(await(reopened.register(client("fourth"), 2, 0))).as("full: the third, never used, gives way").isTrue();
    assertThat(reopened.client("third")).isEmpty();
    assertThat(reopened.client("used")).isPresent();
    await(reopened.saveRefresh(List.of(new OAuthState.Refresh("hash-2", "family-2", "fourth", grant,
        System.currentTimeMillis() + 3_600_000, 0, null, false))));
    assertThat(await(reopened.register(client("fifth"), 2, 0))).as("full of clients that obtained tokens").isFalse();
    assertThat(reopened.client("fifth")).isEmpty();
  }

  @Test
  void aFullRegistryGivesTheOldestUnusedClientsPlaceToTheNewcomer() throws Exception {
    FileOAuthStore store = FileOAuthStore.open(vertx, dir.resolve("state.json"), null);
    await(store.register(client("younger", 200), 2, 0));
    await(store.register(client("older", 100), 2, 0));

    assertThat(await(store.register(client("newest", 300), 2, 0))).isTrue();

    assertThat(store.client("older")).isEmpty();
    assertThat(store.client("younger")).isPresent();
    assertThat(store.client("newest")).isPresent();
  }

  @Test
  void aRefreshTokenSavedIntoAFamilyRevokedMeanwhileIsSavedRevoked() throws Exception {
    FileOAuthStore store = FileOAuthStore.open(vertx, dir.resolve("state.json"), null);
    long inAnHour = System.currentTimeMillis() + 3_600_000;
    // A rotation read the family's token before a /revoke on another event loop, and saves after it.
    store.revokeFamily("family-1", inAnHour).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    OAuthState.Grant grant = new OAuthState.Grant("alice", List.of(), null, null, "http://127.0.0.1/mcp");
    OAuthState.Refresh rotated = new OAuthState.Refresh("hash-1", "family-1", "client-1", grant, inAnHour, 0, null, false);
    store.saveRefresh(List.of(rotated)).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertThat(store.refresh("hash-1")).hasValueSatisfying(saved -> assertThat(saved.revoked()).isTrue());
    assertThat(FileOAuthStore.open(vertx, dir.resolve("state.json"), null).refresh("hash-1"))
        .as("after a restart").hasValueSatisfying(saved -> assertThat(saved.revoked()).isTrue());
  }

  @Test
  void aClientFromAStateFileWrittenBeforeUnusedClientsWereForgottenCountsAsUsed() throws Exception {
    Path file = dir.resolve("state.json");
    java.nio.file.Files.writeString(file, """
        {"clients": [{"clientId": "legacy", "secretHash": null, "authMethod": "none", "name": "legacy",
          "redirectUris": ["http://127.0.0.1/cb"], "createdAt": 0}]}
        """);
    FileOAuthStore store = FileOAuthStore.open(vertx, file, null);

    assertThat(await(store.register(client("new"), 1, Long.MAX_VALUE))).as("full: the legacy client is kept").isFalse();
    assertThat(store.client("legacy")).isPresent();
  }

  @Test
  void aRotationThatCannotBeWrittenLeavesTheTokenUnspentAndItsSuccessorUnknown() throws Exception {
    FileOAuthStore store = FileOAuthStore.open(vertx, dir.resolve("state.json"), null);
    long inAnHour = System.currentTimeMillis() + 3_600_000;
    OAuthState.Grant grant = new OAuthState.Grant("alice", List.of(), null, null, "http://127.0.0.1/mcp");
    OAuthState.Refresh issued = new OAuthState.Refresh("hash-1", "family-1", "client-1", grant, inAnHour, 0, null, false);
    store.saveRefresh(List.of(issued)).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    store.beforeWrite = () -> {
      throw new java.io.UncheckedIOException(new java.io.IOException("No space left on device"));
    };

    OAuthState.Refresh successor = new OAuthState.Refresh("hash-2", "family-1", "client-1", grant, inAnHour, 0, null, false);
    Future<Void> rotation = store.saveRefresh(List.of(issued.spent(System.currentTimeMillis(), "hash-2"), successor));

    assertThatThrownBy(() -> rotation.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS))
        .hasMessageContaining("No space left on device");
    assertThat(store.refresh("hash-1")).hasValue(issued);
    assertThat(store.refresh("hash-2")).isEmpty();
  }

  @Test
  void aClientWhoseRegistrationCannotBeWrittenIsNotRegistered() throws Exception {
    FileOAuthStore store = FileOAuthStore.open(vertx, dir.resolve("state.json"), null);
    store.beforeWrite = () -> {
      throw new java.io.UncheckedIOException(new java.io.IOException("No space left on device"));
    };

    Future<Boolean> registration = store.register(client("unstored"), 10, 0);

    assertThatThrownBy(() -> registration.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS))
        .hasMessageContaining("No space left on device");
    assertThat(store.client("unstored")).isEmpty();
  }

  @Test
  void anOlderSnapshotWhoseWriteComesLastDoesNotReplaceANewerOne() throws Exception {
    Path file = dir.resolve("state.json");
    FileOAuthStore store = FileOAuthStore.open(vertx, file, null);
    CountDownLatch firstHeld = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean first = new AtomicBoolean(true);
    store.beforeWrite = () -> {
      if (first.compareAndSet(true, false)) {
        firstHeld.countDown();
        try {
          release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };

    // Called off any Vert.x thread, each change runs on a context of its own, as two event loops would.
    Future<Boolean> older = store.register(client("first"), 10, 0);
    assertThat(firstHeld.await(10, TimeUnit.SECONDS)).isTrue();
    store.register(client("second"), 10, 0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    release.countDown();
    older.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

    FileOAuthStore reopened = FileOAuthStore.open(vertx, file, null);
    assertThat(reopened.client("first")).as("in both snapshots").isPresent();
    assertThat(reopened.client("second")).as("only in the newer snapshot, written first").isPresent();
  }
}
