package io.portcullis.transport;

import io.portcullis.pipeline.Exchange;
import io.portcullis.pipeline.Pipeline;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/** The /mcp route: every request runs the pipeline, and any failure becomes the client's error. */
public final class McpEndpoint implements Handler<RoutingContext> {
  private final Pipeline pipeline;

  public McpEndpoint(Pipeline pipeline) {
    this.pipeline = pipeline;
  }

  @Override
  public void handle(RoutingContext context) {
    HttpServerRequest request = context.request();
    request.pause();
    ClientReply reply = new HttpReply(request.response());
    pipeline.run(Exchange.start(request, reply)).onFailure(reply::fail);
  }
}
