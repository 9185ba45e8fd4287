package io.portcullis.bench;

import io.portcullis.mcp.JsonRpcCodec;
import io.portcullis.mcp.JsonRpcMessage;
import io.portcullis.mcp.MalformedMessageException;
import io.portcullis.mcp.SseEvent;
import io.portcullis.mcp.SseParser;
import io.vertx.core.buffer.Buffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What the gateway spends on a message's bytes per tools/call: strict parsing of a request with
 * ~1 KB of arguments, re-serialising it upstream, and reading an SSE answer event.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {
  private Buffer request;
  private JsonRpcMessage parsed;
  private Buffer sseAnswer;

  @Setup
  public void setUp() throws MalformedMessageException {
    String text = "x".repeat(1000);
    request = Buffer.buffer("{\"jsonrpc\":\"2.0\",\"id\":42,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
        + "\"arguments\":{\"message\":\"" + text + "\"},\"_meta\":{\"progressToken\":7}}}");
    parsed = JsonRpcCodec.parse(request);
    String result = "{\"jsonrpc\":\"2.0\",\"id\":42,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"" + text + "\"}]}}";
    sseAnswer = Buffer.buffer(new SseEvent("evt-1", "message", result).encode());
  }

  @Benchmark
  public JsonRpcMessage parseToolsCall() throws MalformedMessageException {
    return JsonRpcCodec.parse(request);
  }

  @Benchmark
  public Buffer encodeToolsCall() {
    return JsonRpcCodec.encode(parsed);
  }

  @Benchmark
  public void parseSseAnswer(Blackhole hole) {
    new SseParser(hole::consume).feed(sseAnswer);
  }
}
