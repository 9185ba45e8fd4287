package io.portcullis.routing;

import io.portcullis.transport.GatewaySession;
import io.vertx.core.Vertx;
import java.util.List;

/**
 * One client GET stream fed by the GET streams of all the session's backends and by the
 * gateway's own notifications for the session (a backend joined) that the session gives it. A client that falls behind
 * pauses every backend; the stream ends when every backend's has.
 */
final class MergedStream {
  private MergedStream() {
  }

  /** {@code resuming}: the client opened the stream with a Last-Event-ID. */
  static Reply of(Vertx vertx, List<Reply> parts, GatewaySession session, boolean resuming) {
    MessageQueue<Outbound> out = MessageQueue.onCurrentContext(vertx);
    Runnable stopListening = session.onNotification(n -> out.offer(new Outbound(null, n)), resuming);
    int[] open = {parts.size()};
    Runnable partEnded = () -> {
      if (--open[0] == 0) {
        stopListening.run();
        out.end();
      }
    };
    out.whenWritable(() -> parts.forEach(p -> p.messages().resume()));
    for (Reply part : parts) {
      part.messages().handler(o -> {
        if (!out.offer(o)) {
          parts.forEach(p -> p.messages().pause());
        }
      });
      part.messages().exceptionHandler(e -> partEnded.run());
      part.messages().endHandler(v -> partEnded.run());
    }
    return new Reply(Reply.Mode.SSE, out, () -> {
      stopListening.run();
      parts.forEach(p -> p.abandon().run());
    });
  }
}
