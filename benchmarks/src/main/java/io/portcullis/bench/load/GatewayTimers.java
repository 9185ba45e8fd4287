package io.portcullis.bench.load;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One reading of a gateway's own duration histograms from its {@code /metrics}. Two readings, one
 * before a step and one after, tell how long that step's calls spent inside the gateway by its
 * own clocks: from a request's arrival to its audit record, and the audit record's trip through
 * the writer thread. What the client measured beyond those is time the gateway's timers cannot
 * see (a request waiting for its event loop, the answer's write, the client's read).
 */
final class GatewayTimers {
  /** From a request's arrival to its audit record, the backend's round trip included. */
  static final String ARRIVAL_TO_RECORD = "portcullis_stage_duration_seconds_bucket{stage=\"total\"";
  /** From queueing the audit record to its write and hand-back: the answer waits for it. */
  static final String AUDIT_HOP = "portcullis_audit_write_seconds_bucket{";

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final Pattern BUCKET = Pattern.compile("^(\\S+?\\{.*?)le=\"([^\"]+)\"\\S* (\\S+)$");

  /** Cumulative counts by histogram (series name up to its {@code le} label) and upper bound in seconds. */
  private final Map<String, TreeMap<Double, Double>> buckets;

  private GatewayTimers(Map<String, TreeMap<Double, Double>> buckets) {
    this.buckets = buckets;
  }

  /** Reads the gateway's /metrics on loopback {@code port}. */
  static GatewayTimers read(int port) throws IOException, InterruptedException {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("GET /metrics answered " + response.statusCode());
    }
    return parse(response.body());
  }

  static GatewayTimers parse(String prometheusText) {
    Map<String, TreeMap<Double, Double>> buckets = new TreeMap<>();
    prometheusText.lines().filter(line -> !line.startsWith("#")).forEach(line -> {
      Matcher m = BUCKET.matcher(line);
      if (m.matches()) {
        double bound = m.group(2).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(2));
        buckets.computeIfAbsent(m.group(1), k -> new TreeMap<>()).put(bound, Double.parseDouble(m.group(3)));
      }
    });
    return new GatewayTimers(buckets);
  }

  /**
   * The upper bound, in nanoseconds, of the bucket that holds quantile {@code q} of what
   * {@code histogram} recorded between {@code earlier} and this reading; NaN when it recorded
   * nothing (or the gateway has no such histogram).
   */
  double quantileSince(GatewayTimers earlier, String histogram, double q) {
    TreeMap<Double, Double> now = series(histogram);
    TreeMap<Double, Double> before = earlier.series(histogram);
    if (now.isEmpty()) {
      return Double.NaN;
    }
    double total = now.lastEntry().getValue() - before.getOrDefault(now.lastKey(), 0.0);
    if (total <= 0) {
      return Double.NaN;
    }
    for (Map.Entry<Double, Double> bucket : now.entrySet()) {
      if (bucket.getValue() - before.getOrDefault(bucket.getKey(), 0.0) >= q * total) {
        return bucket.getKey() * 1e9;
      }
    }
    return Double.POSITIVE_INFINITY;
  }

  private TreeMap<Double, Double> series(String histogram) {
    // The label set differs by the le label alone; the prefix names one histogram (one stage).
    TreeMap<Double, Double> merged = new TreeMap<>();
    buckets.forEach((name, counts) -> {
      if (name.startsWith(histogram)) {
        counts.forEach((bound, count) -> merged.merge(bound, count, Double::sum));
      }
    });
    return merged;
  }
}
