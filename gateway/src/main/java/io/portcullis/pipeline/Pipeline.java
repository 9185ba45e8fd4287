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
   */
  public Future<Exchange> run(Exchange exchange) {
    Future<Exchange> result = Future.succeededFuture(exchange);
    for (Stage stage : stages) {
      result = result.compose(stage::apply);
    }
    return result;
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
