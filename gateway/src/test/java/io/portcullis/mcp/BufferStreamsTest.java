package io.portcullis.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.buffer.Buffer;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The streams Jackson reads bodies from and writes messages into. */
class BufferStreamsTest {
  @Test
  void readingGivesEveryByteInOrderThenTheEnd() throws Exception {
    byte[] bytes = new byte[20_000];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (i * 31);
    }
    InputStream in = BufferStreams.reading(Buffer.buffer(bytes));

    assertThat(in.read()).isEqualTo(bytes[0] & 0xff);
    byte[] rest = in.readNBytes(bytes.length);

    assertThat(rest).hasSize(bytes.length - 1).isEqualTo(java.util.Arrays.copyOfRange(bytes, 1, bytes.length));
    assertThat(in.read()).isEqualTo(-1);
    assertThat(in.read(new byte[4], 0, 4)).isEqualTo(-1);
    assertThat(BufferStreams.reading(Buffer.buffer()).read()).isEqualTo(-1);
  }

  @Test
  void writingCollectsSmallAndLargeWritesIntoOneBuffer() {
    BufferStreams.Output out = BufferStreams.writing();
    assertThat(out.buffer().length()).isZero();

    out.write('[');
    byte[] big = "x".repeat(9_000).getBytes(StandardCharsets.US_ASCII);
    out.write(big, 0, big.length);
    out.write(big, 10, 5);
    out.write(']');

    assertThat(out.buffer().toString()).isEqualTo("[" + "x".repeat(9_005) + "]");
  }

  @Test
  void rangesOutsideTheArrayAreRefusedAsStreamsRefuseThem() {
    byte[] four = new byte[4];
    assertThatThrownBy(() -> BufferStreams.reading(Buffer.buffer("abc")).read(four, 2, 3))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> BufferStreams.writing().write(four, -1, 2))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void aMessageLargerThanJacksonsBufferSurvivesTheRoundTrip() throws Exception {
    String text = "grüße ".repeat(3_000);
    JsonNode tree = JsonRpcCodec.object().put("jsonrpc", "2.0").put("id", 1).set("result", JsonRpcCodec.object().put("text", text));

    Buffer encoded = JsonRpcCodec.encodeTree(tree);

    assertThat(encoded.length()).isGreaterThan(8_000);
    assertThat(JsonRpcCodec.parseTree(encoded)).isEqualTo(tree);
  }
}
