package io.portcullis.bench.load;

import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Drives MCP clients at a target: N sessions, each on its own keep-alive connection with its own
 * MCP session (initialize, then notifications/initialized), spread over a few event loops.
 *
 * <p><b>Open loop</b> ({@link #openLoop}): a pacing thread lays out the intended send times of a
 * fixed rate ({@code start + i / rate}) and hands them to the event loops; a request goes out on a
 * free session as soon as there is one, and its latency is measured <i>from its intended send
 * time</i>, so time spent waiting for a free session or for the harness itself counts (no
 * coordinated omission). How late requests left against their schedule is recorded on its own
 * ({@code sendLag}), which shows the harness's own floor. <b>Closed loop</b> ({@link #closedLoop}):
 * every session sends its next request as soon as the last one is answered; used for saturation.
 *
 * <p>A call is {@code tools/call echo} with ~1 KB of text; it counts as answered only when the
 * answer is HTTP 200 and carries the echoed text back (an error answer is short).
 */
final class LoadGenerator {
  static final String PROTOCOL = "2025-06-18";
  static final int TEXT_BYTES = 1000;
  private static final long HIGHEST_NANOS = TimeUnit.SECONDS.toNanos(120);

  private final Vertx vertx;
  private final HttpClientAgent client;
  private final List<Worker> workers = new ArrayList<>();
  private final byte[] jsonSuffix;
  private final byte[] sseSuffix;
  private final byte[] prefix;
  private final List<Session> sessions = new ArrayList<>();
  private long nextId = 1_000;

  /** One step's figures. Latencies in nanoseconds. */
  record StepResult(String label, double rate, double seconds, Histogram latency, Histogram sendLag, long answered,
      long answeredInWindow, long errors, long unsent, String firstError) {
    double throughput() {
      return answeredInWindow / seconds;
    }
  }

  LoadGenerator(int eventLoops) throws Exception {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops).setWorkerPoolSize(1));
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setConnectTimeout(5000)
        .setIdleTimeout(0), new PoolOptions().setHttp1MaxSize(8));
    List<Context> contexts = new ArrayList<>();
    vertx.deployVerticle(() -> new VerticleBase() {
      @Override
      public Future<?> start() {
        synchronized (contexts) {
          contexts.add(context);
        }
        return Future.succeededFuture();
      }
    }, new DeploymentOptions().setInstances(eventLoops)).await(10, TimeUnit.SECONDS);
    for (Context c : contexts) {
      workers.add(new Worker(c));
    }
    String text = lorem(TEXT_BYTES);
    prefix = "{\"jsonrpc\":\"2.0\",\"id\":".getBytes(StandardCharsets.UTF_8);
    jsonSuffix = (",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"" + text
        + "\"},\"_meta\":{}}}").getBytes(StandardCharsets.UTF_8);
    sseSuffix = (",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"" + text
        + "\",\"stream\":true},\"_meta\":{}}}").getBytes(StandardCharsets.UTF_8);
  }

  /** The size of one tools/call request body, in bytes. */
  int requestBytes() {
    return prefix.length + 7 + jsonSuffix.length;
  }

  private static String lorem(int bytes) {
    String words = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore "
        + "magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. ";
    StringBuilder sb = new StringBuilder(bytes);
    while (sb.length() < bytes) {
      sb.append(words);
    }
    return sb.substring(0, bytes);
  }

  /** A target's /mcp endpoint. */
  record Endpoint(String name, int port, String path) {
  }

  /**
   * Opens {@code count} sessions at {@code endpoint}, each on its own connection;
   * {@code tokens.get(i)} (or null) is sent as its bearer token.
   */
  void open(Endpoint endpoint, List<String> tokens, int count) throws Exception {
    closeSessions();
    openExtra(endpoint, tokens, count);
  }

  /** Like {@link #open} but keeps the sessions already open (idle ones, say); only the new ones carry load. */
  void openExtra(Endpoint endpoint, List<String> tokens, int count) throws Exception {
    // Four at a time, like clients arriving: a cold gateway answering 32 initializes at once can miss its own
    // 100 ms policy timeout with the opa-server engine and refuse some (fail closed).
    final int parallel = 4;
    for (int from = 0; from < count; from += parallel) {
      List<CompletableFuture<Session>> opening = new ArrayList<>();
      for (int i = from; i < Math.min(count, from + parallel); i++) {
        Worker w = workers.get(i % workers.size());
        String token = tokens == null ? null : tokens.get(i % tokens.size());
        CompletableFuture<Session> f = new CompletableFuture<>();
        w.context.runOnContext(v -> openSession(w, endpoint, token, true, false).onComplete(ar -> {
          if (ar.succeeded()) {
            f.complete(ar.result());
          } else {
            f.completeExceptionally(ar.cause());
          }
        }));
        opening.add(f);
      }
      for (CompletableFuture<Session> f : opening) {
        Session s = f.get(60, TimeUnit.SECONDS);
        sessions.add(s);
        s.worker.sessions.add(s);
      }
    }
  }

  /**
   * Opens {@code count} idle sessions at {@code endpoint}, each holding a GET stream on its own
   * connection when {@code stream}; at most {@code parallel} are being opened at any time. Returns
   * how many sessions got their stream (or were opened, without streams).
   */
  int openIdle(Endpoint endpoint, List<String> tokens, int count, boolean stream, int parallel) throws Exception {
    AtomicInteger ok = new AtomicInteger();
    AtomicReference<String> failure = new AtomicReference<>();
    java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(parallel);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (int i = 0; i < count; i++) {
      if (!slots.tryAcquire(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        System.err.println("  idle sessions: no progress within 30 s after " + ok.get() + " of " + count + " opened");
        break;
      }
      Worker w = workers.get(i % workers.size());
      String token = tokens == null ? null : tokens.get(i % tokens.size());
      w.context.runOnContext(v -> openSession(w, endpoint, token, false, stream).onComplete(ar -> {
        if (ar.succeeded()) {
          synchronized (sessions) {
            sessions.add(ar.result());
          }
          ok.incrementAndGet();
        } else {
          failure.compareAndSet(null, String.valueOf(ar.cause()));
        }
        slots.release();
      }));
    }
    if (!slots.tryAcquire(parallel, Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
      System.err.println("  idle sessions still opening after 30 s: " + ok.get() + " of " + count + " open; going on with those");
    }
    if (failure.get() != null) {
      System.err.println("  some idle sessions failed: " + failure.get());
    }
    return ok.get();
  }

  /**
   * Opens a session: on a connection of its own ({@code dedicated}, for load), or through the
   * shared pool of a few connections (idle sessions, which then hold no connection but their
   * GET stream's, when {@code stream}).
   */
  private Future<Session> openSession(Worker w, Endpoint endpoint, String token, boolean dedicated, boolean stream) {
    Future<HttpClientConnection> connection = dedicated
        ? client.connect(new HttpConnectOptions().setHost("127.0.0.1").setPort(endpoint.port()))
        : Future.succeededFuture(null);
    return connection.compose(conn -> {
      Session s = new Session(w, conn, endpoint.port(), endpoint.path(), token);
      if (conn != null) {
        conn.closeHandler(v -> s.closed = true);
      }
      String init = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"" + PROTOCOL
          + "\",\"capabilities\":{},\"clientInfo\":{\"name\":\"portcullis-load\",\"version\":\"1\"}}}";
      return post(s, Buffer.buffer(init), false).compose(resp -> resp.body().compose(body -> {
        String id = resp.getHeader("Mcp-Session-Id");
        if (resp.statusCode() != 200 || id == null) {
          return Future.failedFuture("initialize answered HTTP " + resp.statusCode() + ": " + body);
        }
        s.sessionId = id;
        return post(s, Buffer.buffer("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"), true);
      })).compose(resp -> resp.body().compose(body -> resp.statusCode() == 202 ? Future.succeededFuture(s)
          : Future.failedFuture("notifications/initialized answered HTTP " + resp.statusCode())))
          .compose(x -> stream ? openStream(s, endpoint) : Future.succeededFuture(s));
    });
  }

  /** GET on a connection of its own: the session's server-to-client stream, kept open and drained. */
  private Future<Session> openStream(Session s, Endpoint endpoint) {
    return client.connect(new HttpConnectOptions().setHost("127.0.0.1").setPort(endpoint.port())).compose(conn -> {
      s.streamConnection = conn;
      RequestOptions o = new RequestOptions().setMethod(HttpMethod.GET).setURI(s.path);
      return conn.request(o).compose(req -> {
        req.putHeader("Accept", "text/event-stream").putHeader("Mcp-Session-Id", s.sessionId)
            .putHeader("MCP-Protocol-Version", PROTOCOL);
        if (s.token != null) {
          req.putHeader("Authorization", "Bearer " + s.token);
        }
        return req.send();
      }).compose(resp -> {
        String type = resp.getHeader("Content-Type");
        if (resp.statusCode() != 200 || type == null || !type.startsWith("text/event-stream")) {
          return resp.body().transform(b -> Future.failedFuture("GET answered HTTP " + resp.statusCode() + " "
              + (b.succeeded() ? b.result() : "")));
        }
        resp.handler(chunk -> { });
        resp.exceptionHandler(e -> { });
        return Future.succeededFuture(s);
      });
    });
  }

  private Future<HttpClientResponse> post(Session s, Buffer body, boolean inSession) {
    RequestOptions o = new RequestOptions().setMethod(HttpMethod.POST).setURI(s.path).setIdleTimeout(30_000);
    Future<HttpClientRequest> request = s.conn != null ? s.conn.request(o)
        : client.request(o.setHost("127.0.0.1").setPort(s.port));
    return request.compose(req -> {
      req.putHeader("Content-Type", "application/json").putHeader("Accept", "application/json, text/event-stream");
      if (s.token != null) {
        req.putHeader("Authorization", "Bearer " + s.token);
      }
      if (inSession) {
        req.putHeader("Mcp-Session-Id", s.sessionId).putHeader("MCP-Protocol-Version", PROTOCOL);
      }
      return req.send(body);
    });
  }

  /** Ends every session (DELETE, best effort) and closes their connections. */
  void closeSessions() throws Exception {
    List<Session> all;
    synchronized (sessions) {
      all = new ArrayList<>(sessions);
      sessions.clear();
    }
    // Streams first: each holds a backend connection of the gateway's that the DELETEs may need.
    List<CompletableFuture<Void>> streams = new ArrayList<>();
    for (Session s : all) {
      if (s.streamConnection != null) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        s.worker.context.runOnContext(v -> s.streamConnection.close().onComplete(x -> f.complete(null)));
        streams.add(f);
      }
    }
    awaitAll(streams, 10);
    List<CompletableFuture<Void>> closing = new ArrayList<>();
    for (Session s : all) {
      CompletableFuture<Void> f = new CompletableFuture<>();
      s.worker.context.runOnContext(v -> {
        RequestOptions delete = new RequestOptions().setMethod(HttpMethod.DELETE).setURI(s.path).setIdleTimeout(5000);
        Future<HttpClientRequest> request = s.conn != null ? s.conn.request(delete)
            : client.request(delete.setHost("127.0.0.1").setPort(s.port));
        Future<Void> deleted = request.compose(req -> {
              req.putHeader("Mcp-Session-Id", s.sessionId).putHeader("MCP-Protocol-Version", PROTOCOL);
              if (s.token != null) {
                req.putHeader("Authorization", "Bearer " + s.token);
              }
              return req.send();
            }).compose(HttpClientResponse::body).<Void>mapEmpty().otherwiseEmpty();
        deleted.onComplete(ar -> {
          Future<Void> a = s.conn == null ? Future.succeededFuture() : s.conn.close();
          a.onComplete(x -> f.complete(null));
        });
      });
      closing.add(f);
    }
    awaitAll(closing, 20);
    for (Worker w : workers) {
      run(w, () -> w.sessions.clear());
    }
  }

  /** Waits for all, at most {@code seconds} in total (best effort: a session that does not close in time is left). */
  private static void awaitAll(List<CompletableFuture<Void>> all, long seconds) {
    try {
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(seconds, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("  " + all.stream().filter(f -> !f.isDone()).count() + " sessions did not close within " + seconds + " s");
    }
  }

  /**
   * Sends {@code rate} calls per second for {@code seconds}, open loop. After the last intended
   * send, waits up to {@code drainMillis} for the backlog; what is still unsent then is counted as
   * unsent (only a step far past saturation has any).
   */
  StepResult openLoop(String label, double rate, double seconds, boolean sse, long drainMillis) throws Exception {
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
    long end = start + (long) (seconds * 1e9);
    for (Worker w : workers) {
      run(w, () -> w.reset(end, sse));
    }
    long total = (long) Math.floor(rate * seconds);
    double interval = 1e9 / rate;
    int wn = workers.size();
    long i = 0;
    while (i < total) {
      long now = System.nanoTime();
      long due = start + (long) (i * interval);
      if (due > now) {
        LockSupport.parkNanos(due - now);
        continue;
      }
      long j = i;
      while (j < total && start + (long) (j * interval) <= now) {
        j++;
      }
      // Requests i..j-1 are due: request k goes to worker k % wn.
      for (int w = 0; w < wn; w++) {
        int n = 0;
        for (long k = i; k < j; k++) {
          if (k % wn == w) {
            n++;
          }
        }
        if (n == 0) {
          continue;
        }
        long[] times = new long[n];
        int x = 0;
        for (long k = i; k < j; k++) {
          if (k % wn == w) {
            times[x++] = start + (long) (k * interval);
          }
        }
        Worker worker = workers.get(w);
        worker.context.runOnContext(v -> worker.submit(times));
      }
      i = j;
    }
    long drainDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(drainMillis);
    while (System.nanoTime() < drainDeadline) {
      boolean idle = true;
      for (Worker w : workers) {
        idle &= onContext(w, w::idle);
      }
      if (idle) {
        break;
      }
      Thread.sleep(20);
    }
    return collect(label, rate, seconds);
  }

  /** Every session sends back to back for {@code warmupSeconds + seconds}; figures from the last {@code seconds}. */
  StepResult closedLoop(String label, double warmupSeconds, double seconds, boolean sse) throws Exception {
    long measureFrom = System.nanoTime() + (long) (warmupSeconds * 1e9);
    long end = measureFrom + (long) (seconds * 1e9);
    for (Worker w : workers) {
      run(w, () -> {
        w.reset(end, sse);
        w.measureFrom = measureFrom;
        w.closedUntil = end;
        for (Session s : new ArrayList<>(w.free)) {
          w.free.remove(s);
          w.fire(s, System.nanoTime());
        }
      });
    }
    long wait = end - System.nanoTime();
    if (wait > 0) {
      Thread.sleep(TimeUnit.NANOSECONDS.toMillis(wait));
    }
    long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < drainDeadline) {
      boolean idle = true;
      for (Worker w : workers) {
        idle &= onContext(w, w::idle);
      }
      if (idle) {
        break;
      }
      Thread.sleep(20);
    }
    for (Worker w : workers) {
      run(w, () -> {
        w.closedUntil = 0;
        w.measureFrom = 0;
      });
    }
    return collect(label, 0, seconds);
  }

  private StepResult collect(String label, double rate, double seconds) throws Exception {
    Histogram latency = new Histogram(1000, HIGHEST_NANOS, 3);
    Histogram lag = new Histogram(1000, HIGHEST_NANOS, 3);
    long answered = 0;
    long inWindow = 0;
    long errors = 0;
    long unsent = 0;
    String firstError = null;
    for (Worker w : workers) {
      Object[] snapshot = onContext(w, () -> {
        Object[] o = {w.latency.copy(), w.lag.copy(), w.answered, w.answeredInWindow, w.errors, (long) w.queue.size(), w.firstError};
        w.queue.clear();
        return o;
      });
      latency.add((Histogram) snapshot[0]);
      lag.add((Histogram) snapshot[1]);
      answered += (long) snapshot[2];
      inWindow += (long) snapshot[3];
      errors += (long) snapshot[4];
      unsent += (long) snapshot[5];
      if (firstError == null) {
        firstError = (String) snapshot[6];
      }
    }
    return new StepResult(label, rate, seconds, latency, lag, answered, inWindow, errors, unsent, firstError);
  }

  private static <T> T onContext(Worker w, java.util.concurrent.Callable<T> call) throws Exception {
    CompletableFuture<T> f = new CompletableFuture<>();
    w.context.runOnContext(v -> {
      try {
        f.complete(call.call());
      } catch (Throwable e) {
        f.completeExceptionally(e);
      }
    });
    return f.get(30, TimeUnit.SECONDS);
  }

  private static void run(Worker w, Runnable run) throws Exception {
    onContext(w, () -> {
      run.run();
      return null;
    });
  }

  void close() throws Exception {
    closeSessions();
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  /** A client session: its connection, its MCP session id, its token. Used by one request at a time. */
  static final class Session {
    final Worker worker;
    final HttpClientConnection conn;
    final int port;
    final String path;
    final String token;
    String sessionId;
    HttpClientConnection streamConnection;
    boolean closed;

    Session(Worker worker, HttpClientConnection conn, int port, String path, String token) {
      this.worker = worker;
      this.conn = conn;
      this.port = port;
      this.path = path;
      this.token = token;
    }
  }

  /** The sessions of one event loop and what they recorded; touched only on that event loop. */
  final class Worker {
    final Context context;
    final List<Session> sessions = new ArrayList<>();
    final ArrayDeque<Session> free = new ArrayDeque<>();
    final LongQueue queue = new LongQueue();
    Histogram latency = new Histogram(1000, HIGHEST_NANOS, 3);
    Histogram lag = new Histogram(1000, HIGHEST_NANOS, 3);
    long answered;
    long answeredInWindow;
    long errors;
    String firstError;
    long windowEnd;
    long measureFrom;
    long closedUntil;
    int inFlight;
    boolean sse;

    Worker(Context context) {
      this.context = context;
    }

    void reset(long windowEnd, boolean sse) {
      this.windowEnd = windowEnd;
      this.sse = sse;
      latency.reset();
      lag.reset();
      answered = 0;
      answeredInWindow = 0;
      errors = 0;
      firstError = null;
      queue.clear();
      free.clear();
      for (Session s : sessions) {
        if (!s.closed) {
          free.push(s);
        }
      }
    }

    boolean idle() {
      return queue.isEmpty() && inFlight == 0;
    }

    /**
     * Calls that are due now. One that finds a free session goes out at once, and how late it is
     * against its schedule is the harness's own lag; one that finds none waits in the queue (its
     * wait counts in its latency, not in the lag).
     */
    void submit(long[] times) {
      for (long t : times) {
        if (queue.isEmpty() && !free.isEmpty()) {
          lag.recordValue(Math.min(HIGHEST_NANOS, Math.max(1000, System.nanoTime() - t)));
          fire(free.pop(), t);
        } else {
          queue.add(t);
        }
      }
    }

    private void dispatch() {
      while (!queue.isEmpty() && !free.isEmpty()) {
        fire(free.pop(), queue.poll());
      }
    }

    void fire(Session s, long intended) {
      inFlight++;
      long sent = System.nanoTime();
      long id = nextId++;
      byte[] suffix = sse ? sseSuffix : jsonSuffix;
      Buffer body = Buffer.buffer(prefix.length + 20 + suffix.length).appendBytes(prefix).appendString(Long.toString(id))
          .appendBytes(suffix);
      post(s, body, true).compose(resp -> resp.body().map(b -> {
        if (resp.statusCode() != 200 || b.length() < TEXT_BYTES) {
          throw new IllegalStateException("HTTP " + resp.statusCode() + ": "
              + b.toString(StandardCharsets.UTF_8).substring(0, Math.min(300, b.length())));
        }
        return b;
      })).onComplete(ar -> {
        long done = System.nanoTime();
        inFlight--;
        boolean alive = !s.closed;
        if (ar.succeeded()) {
          answered++;
          if (closedUntil != 0) {
            if (sent >= measureFrom && done <= closedUntil) {
              answeredInWindow++;
              latency.recordValue(Math.min(HIGHEST_NANOS, Math.max(1000, done - sent)));
            }
          } else {
            latency.recordValue(Math.min(HIGHEST_NANOS, Math.max(1000, done - intended)));
            if (done <= windowEnd) {
              answeredInWindow++;
            }
          }
        } else {
          errors++;
          if (firstError == null) {
            firstError = String.valueOf(ar.cause().getMessage());
          }
        }
        if (!alive) {
          return;
        }
        if (closedUntil != 0) {
          if (System.nanoTime() < closedUntil) {
            fire(s, System.nanoTime());
          } else {
            free.push(s);
          }
          return;
        }
        free.push(s);
        dispatch();
      });
    }
  }

  /** A growable ring buffer of longs (intended send times), without boxing. */
  static final class LongQueue {
    private long[] items = new long[1024];
    private int head;
    private int size;

    void add(long v) {
      if (size == items.length) {
        long[] bigger = new long[items.length * 2];
        for (int k = 0; k < size; k++) {
          bigger[k] = items[(head + k) % items.length];
        }
        items = bigger;
        head = 0;
      }
      items[(head + size) % items.length] = v;
      size++;
    }

    long poll() {
      long v = items[head];
      head = (head + 1) % items.length;
      size--;
      return v;
    }

    boolean isEmpty() {
      return size == 0;
    }

    int size() {
      return size;
    }

    void clear() {
      head = 0;
      size = 0;
    }
  }
}
