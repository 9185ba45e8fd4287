package io.portcullis.mcp;

/** One server-sent event. {@code id} and {@code event} may be null; {@code data} is never null. */
public record SseEvent(String id, String event, String data) {
  public SseEvent {
    if (data == null) {
      data = "";
    }
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
