package io.portcullis.pipeline;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;

/**
 * The /mcp request path: stages run in {@link Phase} order, each on the result of the one before.
 * The order is checked when the pipeline is built, so a stage added in the wrong place fails at
 * boot rather than opening a hole at run time.
 */
public final class Pipeline {
  private final List<Stage> stages;

  private Pipeline(List<Stage> stages) {
    this.stages = List.copyOf(stages);
  }

  public static Builder builder() {
    return new Builder();
  }

  public List<Phase> phases() {
    return stages.stream().map(Stage::phase).toList();
  }

  /**
   * Runs every stage. The future completes when the terminal stage has finished the exchange, or
   * fails with the first stage's failure (already a {@link GatewayException} or to be normalised).
   * A batch goes whole through the stages that {@link Stage#takesWholeBatch take it whole}, so a
   * refusal of the request as such (no session) answers it once; from the first stage that does
   * not, each element runs the remaining stages on its own, answered through its own slot of the
   * reply, and the future completes when every element is done.
   */
  public Future<Exchange> run(Exchange exchange) {
    return runFrom(0, exchange);
  }

  private Future<Exchange> runFrom(int first, Exchange exchange) {
    // Stages that finish at once (most do) are chained in this loop rather than through futures:
    // a request then allocates and dispatches a composition only where a stage really waits.
    Exchange current = exchange;
    for (int index = first; index < stages.size(); index++) {
      Stage stage = stages.get(index);
      if (current.batch() != null && !stage.takesWholeBatch()) {
        return fanOut(index, current);
      }
      long started = System.nanoTime();
      Future<Exchange> done;
      try {
        done = stage.apply(current);
      } catch (RuntimeException e) {
        // As when each stage ran inside the one before's compose: a throwing stage fails the future.
        done = Future.failedFuture(e);
      }
      Exchange input = current;
      int following = index + 1;
      if (!done.isComplete()) {
        return done
            .andThen(r -> timed(input, stage, started))
            .compose(next -> runFrom(following, next));
      }
      timed(input, stage, started);
      if (done.failed()) {
        return done;
      }
      current = done.result();
    }
    return Future.succeededFuture(current);
  }

  /** Records in the exchange's audit trail how long {@code stage} took since {@code started}. */
  private static void timed(Exchange exchange, Stage stage, long started) {
    exchange.audit().stage(stage.phase().label(), (System.nanoTime() - started) / 1_000);
  }

  private Future<Exchange> fanOut(int index, Exchange exchange) {
    var slots = exchange.reply().split(exchange.batch());
    List<Future<Exchange>> elements = new ArrayList<>();
    for (int i = 0; i < slots.size(); i++) {
      var slot = slots.get(i);
      elements.add(runFrom(index, exchange.forBatchElement(exchange.batch().get(i), slot))
          .onFailure(slot::fail));
    }
    return Future.join(elements).transform(done -> Future.succeededFuture(exchange));
  }

  /** Collects stages and refuses any that would run out of order. */
  public static final class Builder {
    private final List<Stage> stages = new ArrayList<>();

    public Builder add(Stage stage) {
      if (!stages.isEmpty()) {
        Stage last = stages.get(stages.size() - 1);
        if (stage.phase().compareTo(last.phase()) <= 0) {
          throw new IllegalStateException("stage " + stage.getClass().getSimpleName() + " (" + stage.phase()
              + ") must come before " + last.getClass().getSimpleName() + " (" + last.phase() + ")");
        }
      }
      stages.add(stage);
      return this;
    }

    public Pipeline build() {
      if (stages.isEmpty() || stages.get(0).phase() != Phase.TRANSPORT) {
        throw new IllegalStateException("a pipeline starts with a " + Phase.TRANSPORT + " stage");
      }
      if (stages.get(stages.size() - 1).phase() != Phase.FORWARD) {
        throw new IllegalStateException("a pipeline ends with its terminal " + Phase.FORWARD + " stage");
      }
      return new Pipeline(stages);
    }
  }
}
