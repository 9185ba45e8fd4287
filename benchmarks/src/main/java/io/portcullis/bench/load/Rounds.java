package io.portcullis.bench.load;

import io.portcullis.bench.load.LoadHarness.Row;
import io.portcullis.bench.load.LoadHarness.TargetResult;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The figures the targets are judged on, once per round of a run with {@code --rounds}, and
 * their medians. On a shared machine one round can land in a noisy minute; each round compares a
 * target with the direct backend and nginx of the same round, and the median of those comparisons
 * is what one noisy round cannot move.
 */
final class Rounds {
  private final List<Map<String, TargetResult>> rounds;
  private final int rateIndex;

  /** @param rateIndex which open-loop step (by its index in {@code --rates}) the latency figures come from */
  Rounds(List<Map<String, TargetResult>> rounds, int rateIndex) {
    this.rounds = rounds;
    this.rateIndex = rateIndex;
  }

  int count() {
    return rounds.size();
  }

  /** {@code target}'s percentile minus the direct backend's, in nanoseconds, per round (NaN where a round lacks either). */
  double[] addedLatency(String target, double percentile) {
    return perRound(round -> {
      Row t = step(round.get(target));
      Row base = step(round.get("direct"));
      return t == null || base == null ? Double.NaN
          : t.r().latency().getValueAtPercentile(percentile) - base.r().latency().getValueAtPercentile(percentile);
    });
  }

  /** {@code target}'s saturation throughput as a fraction of the same round's nginx, per round. */
  double[] ofNginxAtSaturation(String target) {
    return perRound(round -> {
      double t = saturation(round.get(target));
      double nginx = saturation(round.get("nginx"));
      return t / nginx;
    });
  }

  /** {@code target}'s saturation throughput, calls per second, per round. */
  double[] saturation(String target) {
    return perRound(round -> saturation(round.get(target)));
  }

  /** The median of the values that are numbers; NaN when none is. */
  static double median(double[] values) {
    double[] known = Arrays.stream(values).filter(v -> !Double.isNaN(v)).sorted().toArray();
    if (known.length == 0) {
      return Double.NaN;
    }
    int mid = known.length / 2;
    return known.length % 2 == 1 ? known[mid] : (known[mid - 1] + known[mid]) / 2;
  }

  private Row step(TargetResult result) {
    return result == null || rateIndex < 0 || rateIndex >= result.steps.size() ? null : result.steps.get(rateIndex);
  }

  private static double saturation(TargetResult result) {
    return result == null || result.saturation == null ? Double.NaN : result.saturation.r().throughput();
  }

  private double[] perRound(ToDoubleFunction<Map<String, TargetResult>> figure) {
    return rounds.stream().mapToDouble(figure).toArray();
  }
}
