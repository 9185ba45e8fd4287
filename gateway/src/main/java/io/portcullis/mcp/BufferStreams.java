package io.portcullis.mcp;

import io.vertx.core.buffer.Buffer;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;

/**
 * Streams over Vert.x buffers, so that Jackson reads a body and writes a message without the
 * intermediate byte arrays of {@code Buffer.getBytes()} and {@code Buffer.buffer(byte[])} (each a
 * copy of the whole message, on every request and every answer).
 */
public final class BufferStreams {
  private BufferStreams() {
  }

  /** Reads {@code buffer} from its first byte to its last. */
  public static InputStream reading(Buffer buffer) {
    return new Reading(buffer);
  }

  /** An output stream that collects what is written into a buffer. */
  public static Output writing() {
    return new Output();
  }

  /** Collects bytes into one buffer; Jackson writes a message below 8,000 bytes in one call, so it is sized once. */
  public static final class Output extends OutputStream {
    private Buffer buffer;

    @Override
    public void write(int b) {
      target(1).appendByte((byte) b);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
      Objects.checkFromIndexSize(offset, length, bytes.length);
      target(length).appendBytes(bytes, offset, length);
    }

    private Buffer target(int firstWrite) {
      if (buffer == null) {
        buffer = Buffer.buffer(firstWrite);
      }
      return buffer;
    }

    /** What was written (an empty buffer if nothing was). */
    public Buffer buffer() {
      return buffer == null ? Buffer.buffer(0) : buffer;
    }
  }

  private static final class Reading extends InputStream {
    private final Buffer buffer;
    private int position;

    Reading(Buffer buffer) {
      this.buffer = buffer;
    }

    @Override
    public int read() {
      return position < buffer.length() ? buffer.getByte(position++) & 0xff : -1;
    }

    @Override
    public int read(byte[] into, int offset, int length) {
      Objects.checkFromIndexSize(offset, length, into.length);
      int left = buffer.length() - position;
      if (left <= 0) {
        return length == 0 ? 0 : -1;
      }
      int n = Math.min(left, length);
      buffer.getBytes(position, position + n, into, offset);
      position += n;
      return n;
    }

    @Override
    public int available() {
      return buffer.length() - position;
    }
  }
}
