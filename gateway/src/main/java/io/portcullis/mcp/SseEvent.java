package io.portcullis.mcp;

/**
 * One server-sent event. {@code id}, {@code event} and {@code retryMillis} (the reconnection
 * delay the server asks for) may be null; {@code data} is never null.
 */
public record SseEvent(String id, String event, String data, Long retryMillis) {
  public SseEvent {
    if (data == null) {
      data = "";
    }
  }

  public SseEvent(String id, String event, String data) {
    this(id, event, data, null);
  }

  /** Encodes the event in the text/event-stream format, one data line per line of data. */
  public String encode() {
    StringBuilder out = new StringBuilder(data.length() + 32);
    if (id != null) {
      out.append("id: ").append(id).append('\n');
    }
    if (event != null) {
      out.append("event: ").append(event).append('\n');
    }
    if (retryMillis != null) {
      out.append("retry: ").append(retryMillis).append('\n');
    }
    int start = 0;
    while (true) {
      int newline = data.indexOf('\n', start);
      out.append("data: ").append(data, start, newline < 0 ? data.length() : newline).append('\n');
      if (newline < 0) {
        break;
      }
      start = newline + 1;
    }
    return out.append('\n').toString();
  }
}
