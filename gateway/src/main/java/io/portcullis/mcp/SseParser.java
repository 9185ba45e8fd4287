package io.portcullis.mcp;

import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Incremental text/event-stream parser (the WHATWG rules): feed it chunks as they arrive and it
 * emits each event as soon as its blank line is seen. An event carries the id line it had itself, so
 * that a relay passes ids on exactly as the origin sent them. Lines may end in CRLF, LF or CR, and may be
 * split anywhere across chunks. Not thread-safe: one parser per stream.
 */
public final class SseParser {
  private final Consumer<SseEvent> sink;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
  private final StringBuilder data = new StringBuilder();
  private boolean hasData;
  private String eventType;
  private String eventId;
  private Long retryMillis;
  private boolean skipNextLf;

  public SseParser(Consumer<SseEvent> sink) {
    this.sink = sink;
  }

  public void feed(Buffer chunk) {
    byte[] bytes = chunk.getBytes();
    int start = 0;
    if (skipNextLf && bytes.length > 0) {
      skipNextLf = false;
      if (bytes[0] == '\n') {
        start = 1;
      }
    }
    // Scan for line ends and decode whole lines at once; only a line split across chunks is buffered.
    for (int i = start; i < bytes.length; i++) {
      byte b = bytes[i];
      if (b != '\n' && b != '\r') {
        continue;
      }
      processLine(lineEndingAt(bytes, start, i));
      if (b == '\r') {
        if (i + 1 < bytes.length) {
          if (bytes[i + 1] == '\n') {
            i++;
          }
        } else {
          skipNextLf = true;
        }
      }
      start = i + 1;
    }
    if (start < bytes.length) {
      line.write(bytes, start, bytes.length - start);
    }
  }

  private String lineEndingAt(byte[] bytes, int from, int to) {
    if (line.size() == 0) {
      return new String(bytes, from, to - from, StandardCharsets.UTF_8);
    }
    line.write(bytes, from, to - from);
    String text = line.toString(StandardCharsets.UTF_8);
    line.reset();
    return text;
  }

  private void processLine(String text) {
    if (text.isEmpty()) {
      dispatch();
      return;
    }
    if (text.charAt(0) == ':') {
      return;
    }
    int colon = text.indexOf(':');
    String field = colon < 0 ? text : text.substring(0, colon);
    String value = colon < 0 ? "" : text.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    switch (field) {
      case "data" -> {
        if (hasData) {
          data.append('\n');
        }
        data.append(value);
        hasData = true;
      }
      case "event" -> eventType = value;
      case "id" -> {
        if (value.indexOf('\0') < 0) {
          eventId = value;
        }
      }
      case "retry" -> {
        if (!value.isEmpty() && value.chars().allMatch(Character::isDigit) && value.length() < 18) {
          retryMillis = Long.parseLong(value);
        }
      }
      default -> { }
    }
  }

  private void dispatch() {
    if (hasData) {
      sink.accept(new SseEvent(eventId, eventType, data.toString(), retryMillis));
    }
    data.setLength(0);
    hasData = false;
    eventType = null;
    eventId = null;
    retryMillis = null;
  }
}
