package io.portcullis.bench.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The child processes of a run: the gateway JVM, nginx, an OPA server. */
final class Processes {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private Processes() {
  }

  /** GET on loopback; the status, or -1 when nothing answers. */
  static int status(String url) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).GET().build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  static void stop(Process p) {
    if (p == null || !p.isAlive()) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Portcullis as a child JVM from gateway/target/portcullis.jar ({@code run --port 0}). */
  static final class Gateway implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("Portcullis listening on http://[^:]+:(\\d+)(/\\S*)");

    final Process process;
    final int port;
    final String path;
    final double listeningMillis;
    final double readyMillis;
    final Path log;
    final JvmProbe probe;

    private Gateway(Process process, int port, String path, double listeningMillis, double readyMillis, Path log, JvmProbe probe) {
      this.process = process;
      this.port = port;
      this.path = path;
      this.listeningMillis = listeningMillis;
      this.readyMillis = readyMillis;
      this.log = log;
      this.probe = probe;
    }

    /** The JVM options {@code ./portcullis} gives the gateway: the lines of gateway/jvm.options but comments. */
    static List<String> launcherOptions(Path repoRoot) throws java.io.IOException {
      return Files.readAllLines(repoRoot.resolve("gateway/jvm.options")).stream().map(String::strip)
          .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
    }

    /** The options {@code ./portcullis} adds for the class archive next to the jar, or none without one. */
    static List<String> classArchiveOptions(Path jar) throws java.io.IOException {
      Path archive = classArchive(jar);
      if (archive == null) {
        return List.of();
      }
      return List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
    }

    /**
     * The build's class archive for {@code jar}, or null: it must be newer than the jar and usable
     * by this JVM (checked once, with {@code -Xshare:on}, which refuses to start on an archive it
     * cannot map), so that a report never claims an archive the JVM quietly ignored.
     */
    static synchronized Path classArchive(Path jar) throws java.io.IOException {
      Path archive = jar.resolveSibling("portcullis.jsa");
      if (!Files.isRegularFile(archive) || Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) <= 0) {
        return null;
      }
      if (archiveUsable == null) {
        try {
          Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-XX:SharedArchiveFile=" + archive, "-Xshare:on", "-jar", jar.toString(), "--version")
              .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
          archiveUsable = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
          p.destroyForcibly();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          archiveUsable = false;
        }
      }
      return archiveUsable ? archive : null;
    }

    private static Boolean archiveUsable;

    /**
     * Starts the jar on {@code config} and waits until {@code /readyz} answers 200; the times are
     * from the moment the JVM is spawned. The JVM gets the build's class archive when there is
     * one, as {@code ./portcullis} gives it.
     */
    static Gateway start(Path jar, Path config, Path repoRoot, Path log, List<String> jvmOptions) throws Exception {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(classArchiveOptions(jar));
      command.addAll(launcherOptions(repoRoot));
      command.addAll(jvmOptions);
      command.addAll(List.of("-jar", jar.toString(), "run", "--config", config.toString(), "--port", "0"));
      ProcessBuilder pb = new ProcessBuilder(command).redirectError(log.toFile());
      pb.environment().put("PORTCULLIS_HOME", repoRoot.toString());
      long t0 = System.nanoTime();
      Process p = pb.start();
      CompletableFuture<Matcher> listening = new CompletableFuture<>();
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) {
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
              listening.complete(m);
            }
          }
        } catch (IOException e) {
          // the process ended
        }
        listening.completeExceptionally(new IllegalStateException("the gateway exited before listening; see " + log));
      }, "gateway-stdout");
      reader.setDaemon(true);
      reader.start();
      Matcher m;
      try {
        m = listening.get(90, TimeUnit.SECONDS);
      } catch (Exception e) {
        stop(p);
        throw new IllegalStateException("the gateway did not start (" + e.getMessage() + "); its log: " + log + "\n"
            + tail(log, 30), e);
      }
      double listeningMillis = (System.nanoTime() - t0) / 1e6;
      int port = Integer.parseInt(m.group(1));
      while (status("http://127.0.0.1:" + port + "/readyz") != 200) {
        if (!p.isAlive() || System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(90)) {
          stop(p);
          throw new IllegalStateException("the gateway never became ready; its log: " + log + "\n" + tail(log, 30));
        }
        Thread.sleep(5);
      }
      double readyMillis = (System.nanoTime() - t0) / 1e6;
      JvmProbe probe = JvmProbe.attach(p.pid());
      return new Gateway(p, port, m.group(2), listeningMillis, readyMillis, log, probe);
    }

    long pid() {
      return process.pid();
    }

    @Override
    public void close() {
      probe.close();
      stop(process);
    }
  }

  /** The Vert.x relay ({@link VertxRelay}) as a JVM of its own, on the harness's class path and JVM. */
  static final class Relay implements AutoCloseable {
    final Process process;
    final int port;

    private Relay(Process process, int port) {
      this.process = process;
      this.port = port;
    }

    static Relay start(int backendPort, Path log) throws Exception {
      Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), VertxRelay.class.getName(), String.valueOf(backendPort))
          .redirectErrorStream(true).start();
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      if (line == null || !line.startsWith("listening on ")) {
        stop(p);
        throw new IllegalStateException("the Vert.x relay did not start: " + line);
      }
      int port = Integer.parseInt(line.substring("listening on ".length()).trim());
      // Whatever else it prints goes to its log, read on a thread of its own so that it never blocks.
      Thread drain = new Thread(() -> {
        try (var w = Files.newBufferedWriter(log)) {
          for (String l = out.readLine(); l != null; l = out.readLine()) {
            w.write(l);
            w.newLine();
          }
        } catch (IOException e) {
          // the relay is gone
        }
      }, "relay-log");
      drain.setDaemon(true);
      drain.start();
      Ports.awaitListening(port, 10_000, p);
      return new Relay(p, port);
    }

    @Override
    public void close() {
      stop(process);
    }
  }

  /** nginx from the distribution, as a plain reverse proxy, in the foreground, configured in {@code dir}. */
  static final class Nginx implements AutoCloseable {
    final Process process;
    final int port;

    private Nginx(Process process, int port) {
      this.process = process;
      this.port = port;
    }

    static Nginx start(Path dir, int backendPort, int workers) throws Exception {
      int port = Ports.free();
      for (String sub : List.of("client_body", "proxy", "fastcgi", "uwsgi", "scgi", "logs")) {
        Files.createDirectories(dir.resolve(sub));
      }
      String conf = """
          daemon off;
          master_process on;
          worker_processes %d;
          pid %s/nginx.pid;
          error_log %s/logs/error.log warn;
          events { worker_connections 8192; }
          http {
            access_log off;
            client_body_temp_path %s/client_body;
            proxy_temp_path %s/proxy;
            fastcgi_temp_path %s/fastcgi;
            uwsgi_temp_path %s/uwsgi;
            scgi_temp_path %s/scgi;
            client_max_body_size 4m;
            upstream backend {
              server 127.0.0.1:%d;
              keepalive 64;
            }
            server {
              listen 127.0.0.1:%d;
              keepalive_requests 1000000;
              keepalive_timeout 1h;
              location / {
                proxy_pass http://backend;
                proxy_http_version 1.1;
                proxy_set_header Connection "";
                proxy_buffering off;
                proxy_request_buffering off;
                proxy_read_timeout 1h;
              }
            }
          }
          """.formatted(workers, dir, dir, dir, dir, dir, dir, dir, backendPort, port);
      Path file = dir.resolve("nginx.conf");
      Files.writeString(file, conf);
      Process p = new ProcessBuilder("nginx", "-p", dir.toString(), "-c", file.toString(), "-e", dir.resolve("logs/error.log").toString())
          .redirectErrorStream(true).redirectOutput(dir.resolve("logs/stdout.log").toFile()).start();
      Ports.awaitListening(port, 10_000, p);
      return new Nginx(p, port);
    }

    @Override
    public void close() {
      stop(process);
    }
  }

  /** {@code opa run --server} on the policy directory, on a free loopback port. */
  static final class Opa implements AutoCloseable {
    final Process process;
    final int port;

    private Opa(Process process, int port) {
      this.process = process;
      this.port = port;
    }

    static Opa start(Path opa, Path policies, Path log) throws Exception {
      int port = Ports.free();
      Process p = new ProcessBuilder(opa.toString(), "run", "--server", "--addr", "127.0.0.1:" + port, "--log-level", "error",
          policies.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      long deadline = System.currentTimeMillis() + 30_000;
      while (status("http://127.0.0.1:" + port + "/health") != 200) {
        if (!p.isAlive() || System.currentTimeMillis() > deadline) {
          stop(p);
          throw new IllegalStateException("opa run --server did not come up; see " + log);
        }
        Thread.sleep(20);
      }
      // A sidecar in service has compiled its queries: the first decisions of a fresh OPA take longer than the gateway's
      // 100 ms policy timeout when 32 sessions start at once, and would be refused (fail closed).
      String input = "{\"input\":{\"version\":1,\"action\":\"tools/call\",\"principal\":{\"subject\":\"warm\",\"roles\":[\"editor\"],"
          + "\"scopes\":[\"mcp\"]},\"target\":{\"kind\":\"tool\",\"name\":\"echo\",\"backend\":\"bench\",\"upstream_name\":\"echo\","
          + "\"access\":\"read\"},\"arguments\":{}}}";
      for (String entrypoint : List.of("decision", "decisions")) {
        for (int i = 0; i < 20; i++) {
          String body = entrypoint.equals("decision") ? input : "{\"input\":{\"items\":[" + input.substring(9, input.length() - 1) + "]}}";
          HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/data/mcp/authz/" + entrypoint))
              .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
              HttpResponse.BodyHandlers.discarding());
        }
      }
      return new Opa(p, port);
    }

    @Override
    public void close() {
      stop(process);
    }
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }
}
