package io.portcullis.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.routing.SharedSubscriptions.Step;
import org.junit.jupiter.api.Test;

/** Subscriptions on one shared process, counted per URI across sessions. */
class SharedSubscriptionsTest {
  final SharedSubscriptions<String> subscriptions = new SharedSubscriptions<>(2);

  @Test
  void onlyTheFirstSubscribeAndTheLastUnsubscribeReachTheProcess() {
    assertThat(subscriptions.subscribe("alice", "a://1")).isEqualTo(Step.FORWARD);
    subscriptions.subscribeAnswered("alice", "a://1", true);
    assertThat(subscriptions.subscribe("bob", "a://1")).isEqualTo(Step.ANSWER);
    assertThat(subscriptions.unsubscribe("bob", "a://1")).isEqualTo(Step.ANSWER);
    assertThat(subscriptions.subscribersOf("a://1")).containsExactly("alice");
    assertThat(subscriptions.unsubscribe("carol", "a://1")).as("one who never subscribed").isEqualTo(Step.ANSWER);
    assertThat(subscriptions.unsubscribe("alice", "a://1")).isEqualTo(Step.FORWARD);
    assertThat(subscriptions.subscribersOf("a://1")).isEmpty();
  }

  @Test
  void aSubscribeCountsOnlyOnceTheProcessAcceptedIt() {
    assertThat(subscriptions.subscribe("alice", "a://1")).isEqualTo(Step.FORWARD);
    assertThat(subscriptions.subscribersOf("a://1")).isEmpty();
    subscriptions.subscribeAnswered("alice", "a://1", false);

    assertThat(subscriptions.subscribersOf("a://1")).isEmpty();
    assertThat(subscriptions.subscribe("bob", "a://1")).as("nobody holds it: asked of the process again").isEqualTo(Step.FORWARD);
    assertThat(subscriptions.subscribe("alice", "a://2")).isEqualTo(Step.FORWARD);
    assertThat(subscriptions.subscribe("alice", "a://3")).as("the refused one took no room").isEqualTo(Step.FORWARD);
  }

  @Test
  void anUnsubscribeWhileAnotherSessionsSubscribeIsUnansweredStaysAtTheGateway() {
    subscriptions.subscribe("alice", "a://1");
    assertThat(subscriptions.unsubscribe("bob", "a://1")).isEqualTo(Step.ANSWER);
    subscriptions.subscribeAnswered("alice", "a://1", true);
    assertThat(subscriptions.subscribersOf("a://1")).containsExactly("alice");
  }

  @Test
  void aSessionHoldsAtMostItsLimitAndTheSameUriCountsOnce() {
    held("alice", "a://1");
    held("alice", "a://2");

    assertThat(subscriptions.subscribe("alice", "a://3")).isEqualTo(Step.REFUSE);
    assertThat(subscriptions.subscribe("alice", "a://1")).isEqualTo(Step.ANSWER);
    assertThat(subscriptions.subscribe("bob", "a://3")).isEqualTo(Step.FORWARD);
    subscriptions.unsubscribe("alice", "a://2");
    assertThat(subscriptions.subscribe("alice", "a://3")).isEqualTo(Step.FORWARD);
  }

  @Test
  void anEndedSessionLeavesTheUrisOnlyItHeldToBeUnsubscribed() {
    held("alice", "a://1");
    held("alice", "a://2");
    subscriptions.subscribe("bob", "a://2");

    assertThat(subscriptions.forget("alice")).containsExactly("a://1");
    assertThat(subscriptions.uris()).containsExactly("a://2");
    assertThat(subscriptions.subscribersOf("a://2")).containsExactly("bob");
  }

  /** {@code session} subscribes to {@code uri} and the process accepts. */
  private void held(String session, String uri) {
    subscriptions.subscribe(session, uri);
    subscriptions.subscribeAnswered(session, uri, true);
  }
}
