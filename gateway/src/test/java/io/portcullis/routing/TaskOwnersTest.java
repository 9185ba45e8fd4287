package io.portcullis.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.auth.Principal;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The gateway's record of who created each task: per caller, per backend, ended by ttl, and failing closed when full. */
class TaskOwnersTest {
  final AtomicLong now = new AtomicLong(1_000);
  final Principal alice = principal("alice", "https://a.example");
  final Principal bob = principal("bob", "https://a.example");

  static Principal principal(String subject, String issuer) {
    return new Principal(subject, "jwt", "client", null, null, null, issuer == null ? Map.of() : Map.of("iss", issuer), null);
  }

  @Test
  void aTaskBelongsToTheSameCallerOnlyOnItsOwnBackend() {
    TaskOwners owners = new TaskOwners(10, 10, now::get);
    owners.record("everything", "t1", alice, null);

    assertThat(owners.belongsTo("everything", "t1", principal("alice", "https://a.example"))).isTrue();
    assertThat(owners.belongsTo("everything", "t1", principal("alice", "https://b.example"))).as("another issuer's alice").isFalse();
    assertThat(owners.belongsTo("everything", "t1", bob)).isFalse();
    assertThat(owners.belongsTo("other", "t1", alice)).isFalse();
    assertThat(owners.belongsTo("everything", "t2", alice)).isFalse();
  }

  @Test
  void aRecordEndsWithItsTasksTtl() {
    TaskOwners owners = new TaskOwners(10, 10, now::get);
    owners.record("everything", "t1", alice, 60_000L);

    now.addAndGet(59_999);
    assertThat(owners.belongsTo("everything", "t1", alice)).isTrue();
    now.addAndGet(1);
    assertThat(owners.belongsTo("everything", "t1", alice)).isFalse();
    assertThat(owners.size()).isZero();
  }

  @Test
  void whenFullTheExpiredGoFirstThenTheLeastRecentlyUsedIsForgottenAndUnreachable() {
    // Two callers, each allowed more than the whole store: the store's own bound is what is tested.
    TaskOwners owners = new TaskOwners(2, 5, now::get);
    owners.record("everything", "short", alice, 10L);
    owners.record("everything", "old", bob, null);
    now.addAndGet(10);
    owners.record("everything", "new", alice, null);
    assertThat(owners.belongsTo("everything", "old", bob)).as("room came from the expired record").isTrue();

    owners.record("everything", "newest", alice, null);

    assertThat(owners.size()).isEqualTo(2);
    assertThat(owners.belongsTo("everything", "new", alice)).as("least recently used: nobody's now").isFalse();
    assertThat(owners.belongsTo("everything", "old", bob)).isTrue();
    assertThat(owners.belongsTo("everything", "newest", alice)).isTrue();
  }

  @Test
  void aCallerAtItsShareLosesAnExpiredRecordBeforeALiveOne() {
    TaskOwners owners = new TaskOwners(10, 2, now::get);
    owners.record("everything", "live", alice, null);
    owners.record("everything", "short", alice, 10L);
    now.addAndGet(10);

    owners.record("everything", "next", alice, null);

    assertThat(owners.belongsTo("everything", "live", alice)).isTrue();
    assertThat(owners.belongsTo("everything", "next", alice)).isTrue();
  }

  @Test
  void aCallerPastItsShareForgetsItsOwnOldestTaskNotSomeoneElses() {
    TaskOwners owners = new TaskOwners(10, 2, now::get);
    owners.record("everything", "bobs", bob, null);
    owners.record("everything", "a1", alice, null);
    owners.record("everything", "a2", alice, null);

    owners.record("everything", "a3", alice, null);

    assertThat(owners.belongsTo("everything", "bobs", bob)).isTrue();
    assertThat(owners.belongsTo("everything", "a1", alice)).isFalse();
    assertThat(owners.belongsTo("everything", "a2", alice)).isTrue();
    assertThat(owners.belongsTo("everything", "a3", alice)).isTrue();
    owners.record("everything", "a2", alice, null);
    assertThat(owners.size()).as("a task recorded again is counted once").isEqualTo(3);
  }

  @Test
  void aTaskIdGivenAgainBelongsToItsNewestCreator() {
    TaskOwners owners = new TaskOwners(10, 10, now::get);
    owners.record("everything", "1", alice, null);
    owners.record("everything", "1", bob, null);

    assertThat(owners.belongsTo("everything", "1", alice)).isFalse();
    assertThat(owners.belongsTo("everything", "1", bob)).isTrue();
  }
}
