package io.portcullis.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class SharedWorkTest {
  private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
  private final Context starter = newContext();
  private final Context joiner = newContext();

  /** Where a listener ran, and what it saw. */
  private record Seen(String thread, String value, Throwable failure) {}

  @AfterEach
  void closeVertx() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  /** A context of its own: Vert.x gives each thread outside it one sticky context, on the next event loop. */
  private Context newContext() {
    CompletableFuture<Context> created = new CompletableFuture<>();
    new Thread(() -> created.complete(vertx.getOrCreateContext())).start();
    return created.join();
  }

  private static <T> T on(Context context, java.util.function.Supplier<T> action) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    context.runOnContext(v -> result.complete(action.get()));
    return result.get(20, TimeUnit.SECONDS);
  }

  private static String threadOf(Context context) throws Exception {
    return on(context, () -> Thread.currentThread().getName());
  }

  @Test
  void aRequestThatJoinedWorkStartedOnAnotherLoopContinuesOnItsOwn() throws Exception {
    assertThat(threadOf(starter)).isNotEqualTo(threadOf(joiner));
    Promise<String> work = Promise.promise();
    CompletableFuture<Seen> handedBack = new CompletableFuture<>();
    CompletableFuture<Seen> direct = new CompletableFuture<>();
    on(joiner, () -> {
      SharedWork.forCaller(work.future()).onComplete(r -> handedBack.complete(new Seen(Thread.currentThread().getName(), r.result(), r.cause())));
      work.future().onComplete(r -> direct.complete(new Seen(Thread.currentThread().getName(), r.result(), r.cause())));
      return null;
    });

    on(starter, () -> work.tryComplete("token"));

    assertThat(handedBack.get(20, TimeUnit.SECONDS)).isEqualTo(new Seen(threadOf(joiner), "token", null));
    // What the helper is for: a listener put straight on the shared future runs where the work ended.
    assertThat(direct.get(20, TimeUnit.SECONDS).thread()).isEqualTo(threadOf(starter));
  }

  @Test
  void aFailureIsHandedBackTooAndWorkAlreadyDoneIsDeliveredOnTheCallersLoop() throws Exception {
    // Futures of the starter's context (as a fetch's composed future is), finished before anyone joins.
    Future<String> failed = on(starter, () -> vertx.timer(1).compose(v -> Future.<String>failedFuture(new IllegalStateException("the IdP is down"))));
    Future<String> done = on(starter, () -> vertx.timer(1).map("cached"));
    failed.otherwiseEmpty().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    done.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    CompletableFuture<Seen> failure = new CompletableFuture<>();
    CompletableFuture<Seen> value = new CompletableFuture<>();

    on(joiner, () -> {
      SharedWork.forCaller(failed).onComplete(r -> failure.complete(new Seen(Thread.currentThread().getName(), r.result(), r.cause())));
      SharedWork.forCaller(done).onComplete(r -> value.complete(new Seen(Thread.currentThread().getName(), r.result(), r.cause())));
      return null;
    });

    Seen failed1 = failure.get(20, TimeUnit.SECONDS);
    assertThat(failed1.thread()).isEqualTo(threadOf(joiner));
    assertThat(failed1.failure()).hasMessage("the IdP is down");
    assertThat(value.get(20, TimeUnit.SECONDS)).isEqualTo(new Seen(threadOf(joiner), "cached", null));
  }

  @Test
  void aCallerOnNoContextGetsTheSharedFutureItself() {
    Promise<String> work = Promise.promise();

    assertThat(SharedWork.forCaller(work.future())).isSameAs(work.future());
  }
}
