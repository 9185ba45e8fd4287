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
  /** A histogram: its metric name, and a label it must carry (empty for any). */
  record Series(String metric, String label) {
    boolean matches(String name, String labels) {
      return name.equals(metric + "_bucket") && (label.isEmpty() || labels.contains(label));
    }
  }

  /** From a request's arrival to its audit record, the backend's round trip included. */
  static final Series ARRIVAL_TO_RECORD = new Series("portcullis_stage_duration_seconds", "stage=\"total\"");
  /** From queueing the audit record to its write and hand-back: the answer waits for it. */
  static final Series AUDIT_HOP = new Series("portcullis_audit_write_seconds", "");

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  /** {@code name{labels,le="bound"} count}: the name, the other labels, the bound, the count. */
  private static final Pattern BUCKET = Pattern.compile("^([^{\\s]+)\\{((?:.*?,)?)le=\"([^\"]+)\"[^}]*\\} (\\S+)$");

  /** Cumulative counts by histogram series (name and labels but {@code le}) and upper bound in seconds. */
  private final Map<String, TreeMap<Double, Double>> buckets;

  private GatewayTimers(Map<String, TreeMap<Double, Double>> buckets) {
    this.buckets = buckets;
  }

  /** Reads the gateway's /metrics on loopback {@code port}; null (and a line on stderr) if it cannot. */
  static GatewayTimers readOrNull(int port) {
    try {
      return read(port);
    } catch (IOException e) {
      System.err.println("[load]   the gateway's /metrics could not be read: " + e);
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
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
        double bound = m.group(3).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(3));
        buckets.computeIfAbsent(m.group(1) + "{" + m.group(2), k -> new TreeMap<>()).put(bound, Double.parseDouble(m.group(4)));
      }
    });
    return new GatewayTimers(buckets);
  }

  /**
   * The upper bound, in nanoseconds, of the bucket that holds quantile {@code q} of what
   * {@code histogram} recorded between {@code earlier} and this reading; NaN when it recorded
   * nothing (or the gateway has no such histogram).
   */
  double quantileSince(GatewayTimers earlier, Series histogram, double q) {
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

  private TreeMap<Double, Double> series(Series histogram) {
    // Series of one histogram that differ in other labels than the one asked for are added up.
    TreeMap<Double, Double> merged = new TreeMap<>();
    buckets.forEach((series, counts) -> {
      int brace = series.indexOf('{');
      if (histogram.matches(series.substring(0, brace), series.substring(brace + 1))) {
        counts.forEach((bound, count) -> merged.merge(bound, count, Double::sum));
      }
    });
    return merged;
  }
}
