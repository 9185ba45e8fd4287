package io.portcullis.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine for OPA run as a server (a sidecar fed by bundles): each decision is a
 * {@code POST /v1/data/mcp/authz/decision} of OPA's REST data API over a pooled keep-alive
 * connection, and a list is one {@code POST /v1/data/mcp/authz/decisions}. A timeout, a refused
 * connection, a status other than 200, or an undefined or malformed result is an {@code ERROR}
 * decision. Decision ids are OPA's own when its decision log is on, else fresh UUIDs; the revision
 * is OPA's bundle revision from the answer's provenance, else {@value #DEFAULT_REVISION}.
 * {@link #start()} checks {@code /health} but never fails: an unreachable OPA shows in
 * {@link #status()} and its decisions fail closed.
 */
public final class OpaServerPolicyEngine implements PolicyEngine {
  static final String DEFAULT_REVISION = "opa-server";
  static final String DECISION_PATH = "/v1/data/mcp/authz/decision?provenance";
  static final String DECISIONS_PATH = "/v1/data/mcp/authz/decisions?provenance";
  private static final Logger LOG = LoggerFactory.getLogger(OpaServerPolicyEngine.class);
  private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(2);

  private final Vertx vertx;
  private final String host;
  private final int port;
  private final boolean ssl;
  private final String basePath;
  private final Duration timeout;
  private final HttpClientAgent client;
  private final Context home;
  private volatile String revision = DEFAULT_REVISION;
  private volatile boolean healthy;
  private volatile String lastError;

  /**
   * @param url            OPA's base URL, e.g. {@code http://127.0.0.1:8181}
   * @param maxConnections the most keep-alive connections to OPA
   * @param timeout        how long one decision (one round trip) may take
   */
  public OpaServerPolicyEngine(Vertx vertx, String url, int maxConnections, Duration timeout) {
    URI uri = URI.create(url);
    if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
      throw new IllegalArgumentException("OPA server url must be http(s)://host[:port], got " + url);
    }
    this.vertx = vertx;
    this.host = uri.getHost();
    this.ssl = "https".equals(uri.getScheme());
    this.port = uri.getPort() != -1 ? uri.getPort() : ssl ? 443 : 80;
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    this.basePath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    this.timeout = timeout;
    this.home = vertx.getOrCreateContext();
    this.client = vertx.createHttpClient(
        new HttpClientOptions().setKeepAlive(true).setConnectTimeout((int) Math.max(1, timeout.toMillis())),
        new PoolOptions().setHttp1MaxSize(maxConnections));
  }

  @Override
  public Future<Void> start() {
    return exchange(HttpMethod.GET, "/health", null, HEALTH_TIMEOUT)
        .onSuccess(body -> {
          healthy = true;
          lastError = null;
          LOG.info("OPA server at {}:{} is healthy", host, port);
        })
        .otherwise(e -> {
          unhealthy(e);
          LOG.warn("OPA server at {}:{} is not ready; decisions fail closed until it answers: {}", host, port, PolicyJson.why(e));
          return null;
        })
        .mapEmpty();
  }

  @Override
  public Future<Decision> decide(ObjectNode input) {
    ObjectNode body = PolicyJson.MAPPER.createObjectNode().set("input", input);
    return query(DECISION_PATH, body).map(answer -> {
      return DecisionReader.read(answer.get("result"), decisionId(answer, -1), revisionOf(answer.get("provenance")));
    }).otherwise(e -> Decision.error(PolicyJson.newDecisionId(), revision, failure(e)));
  }

  @Override
  public Future<List<Decision>> decideAll(List<ObjectNode> inputs) {
    if (inputs.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    ObjectNode body = PolicyJson.MAPPER.createObjectNode().set("input", PolicyJson.items(inputs));
    return query(DECISIONS_PATH, body).map(answer -> {
      List<String> ids = IntStream.range(0, inputs.size()).mapToObj(i -> decisionId(answer, i)).toList();
      return DecisionReader.readAll(answer.get("result"), ids, revisionOf(answer.get("provenance")));
    }).otherwise(e -> DecisionReader.errors(PolicyJson.newDecisionIds(inputs.size()), revision, failure(e)));
  }

  @Override
  public String revision() {
    return revision;
  }

  @Override
  public PolicyStatus status() {
    return new PolicyStatus(healthy, revision, lastError);
  }

  @Override
  public Future<Void> stop() {
    return client.close();
  }

  /** POSTs a query; completes with OPA's answer document (its revision noted), fails on any transport or HTTP failure. */
  private Future<JsonNode> query(String path, ObjectNode body) {
    Buffer payload;
    try {
      payload = Buffer.buffer(PolicyJson.MAPPER.writeValueAsBytes(body));
    } catch (IOException e) {
      return Future.failedFuture(new IllegalArgumentException("cannot serialise the policy input: " + e.getMessage(), e));
    }
    return exchange(HttpMethod.POST, path, payload, timeout).map(answer -> {
      JsonNode document;
      try {
        document = PolicyJson.MAPPER.readTree(answer.getBytes());
      } catch (IOException e) {
        throw new IllegalStateException("OPA answered with unreadable JSON");
      }
      if (document == null || !document.isObject()) {
        throw new IllegalStateException("OPA answered with something other than a JSON object");
      }
      healthy = true;
      lastError = null;
      revision = revisionOf(document.get("provenance"));
      return document;
    });
  }

  /**
   * One request and its 200 answer body, bounded by {@code limit}; the exchange is reset when the
   * limit passes. Callers on no Vert.x context (the CLI, tests, benchmarks) are moved onto the
   * engine's own: Vert.x 5.0.10's client, used from such threads with pauses between requests,
   * sometimes never completes a request on a reused keep-alive connection.
   */
  private Future<Buffer> exchange(HttpMethod method, String path, Buffer payload, Duration limit) {
    if (Vertx.currentContext() == null) {
      Promise<Buffer> moved = Promise.promise();
      home.runOnContext(v -> exchange(method, path, payload, limit).onComplete(moved));
      return moved.future();
    }
    Promise<Buffer> answer = Promise.promise();
    long millis = Math.max(1, limit.toMillis());
    long timer = vertx.setTimer(millis, t -> answer.tryFail(new TimeoutException("OPA did not answer within " + millis + " ms")));
    RequestOptions options = new RequestOptions().setMethod(method).setHost(host).setPort(port).setSsl(ssl).setURI(basePath + path);
    client.request(options).compose(request -> {
      answer.future().onFailure(e -> request.reset());
      if (payload == null) {
        return request.send();
      }
      request.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
      return request.send(payload);
    }).compose(response -> response.body().map(body -> {
      if (response.statusCode() != 200) {
        throw new IllegalStateException("OPA answered HTTP " + response.statusCode() + ": " + snippet(body));
      }
      return body;
    })).onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        answer.tryComplete(ar.result());
      } else {
        answer.tryFail(ar.cause());
      }
    });
    return answer.future();
  }

  private String failure(Throwable e) {
    unhealthy(e);
    LOG.warn("OPA server decision failed: {}", PolicyJson.why(e));
    return "OPA server decision failed: " + PolicyJson.why(e);
  }

  private void unhealthy(Throwable e) {
    healthy = false;
    lastError = PolicyJson.why(e);
  }

  /** OPA's decision id (with the item's index for a list), or a fresh UUID when OPA's decision log is off. */
  private static String decisionId(JsonNode answer, int index) {
    JsonNode id = answer.get("decision_id");
    if (id == null || !id.isTextual() || id.textValue().isEmpty()) {
      return PolicyJson.newDecisionId();
    }
    return index < 0 ? id.textValue() : id.textValue() + "/" + index;
  }

  /** The bundle revision(s) from OPA's provenance: one bundle's revision, or name=revision pairs. */
  static String revisionOf(JsonNode provenance) {
    if (provenance == null || !provenance.isObject()) {
      return DEFAULT_REVISION;
    }
    Map<String, String> revisions = new TreeMap<>();
    JsonNode bundles = provenance.get("bundles");
    if (bundles != null && bundles.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = bundles.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> bundle = it.next();
        JsonNode rev = bundle.getValue().get("revision");
        if (rev != null && rev.isTextual() && !rev.textValue().isEmpty()) {
          revisions.put(bundle.getKey(), rev.textValue());
        }
      }
    }
    JsonNode legacy = provenance.get("revision");
    if (revisions.isEmpty() && legacy != null && legacy.isTextual() && !legacy.textValue().isEmpty()) {
      return legacy.textValue();
    }
    if (revisions.isEmpty()) {
      return DEFAULT_REVISION;
    }
    if (revisions.size() == 1) {
      return revisions.values().iterator().next();
    }
    List<String> pairs = new ArrayList<>();
    revisions.forEach((name, rev) -> pairs.add(name + "=" + rev));
    return String.join(",", pairs);
  }

  private static String snippet(Buffer body) {
    String text = body.toString().strip();
    return text.length() > 200 ? text.substring(0, 200) + "..." : text;
  }
}
