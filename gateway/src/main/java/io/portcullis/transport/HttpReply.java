package io.portcullis.transport;

import io.portcullis.mcp.JsonRpcCodec;
import io.portcullis.mcp.JsonRpcMessage;
import io.portcullis.mcp.McpHeaders;
import io.portcullis.pipeline.ErrorResponder;
import io.portcullis.routing.Reply;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.Map;

/**
 * The reply to a POST that carried one message: the HTTP response is that message's alone. Made on
 * the request's event loop; whatever thread answers, the response is written from that loop.
 */
public final class HttpReply implements ClientReply {
  private final HttpServerResponse response;
  private final boolean standaloneStream;
  private final ConnectionThread thread = ConnectionThread.current();

  /** @param standaloneStream whether this is the reply to a GET (a stream of its own) rather than to a POSTed request */
  public HttpReply(HttpServerResponse response, boolean standaloneStream) {
    this.response = response;
    this.standaloneStream = standaloneStream;
  }

  @Override
  public void accepted() {
    thread.run(() -> response.setStatusCode(202).end());
  }

  @Override
  public void sessionEnded() {
    thread.run(() -> response.setStatusCode(200).end());
  }

  @Override
  public void answer(JsonRpcMessage message, Map<String, String> headers) {
    thread.run(() -> {
      headers.forEach(response::putHeader);
      response.putHeader(HttpHeaders.CONTENT_TYPE, McpHeaders.APPLICATION_JSON).end(JsonRpcCodec.encode(message));
    });
  }

  @Override
  public Future<Void> relay(Reply reply, GatewaySession session) {
    return thread.call(() -> ReplyWriter.write(response, thread, reply, session, !standaloneStream));
  }

  @Override
  public void fail(Throwable error) {
    thread.run(() -> ErrorResponder.send(response, error));
  }

  @Override
  public List<ClientReply> split(List<JsonRpcMessage> batch) {
    return new BatchResponse(response, thread, batch).slots();
  }
}
