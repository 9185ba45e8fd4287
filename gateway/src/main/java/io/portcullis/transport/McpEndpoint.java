package io.portcullis.transport;

import io.portcullis.audit.AuditTrail;
import io.portcullis.audit.Auditor;
import io.portcullis.observe.TraceContext;
import io.portcullis.pipeline.Exchange;
import io.portcullis.pipeline.Pipeline;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * The /mcp route: every request runs the pipeline, any failure becomes the client's error, and
 * every request's answer waits for its audit record.
 */
public final class McpEndpoint implements Handler<RoutingContext> {
  private final Pipeline pipeline;
  private final Auditor auditor;
  private final Vertx vertx;

  public McpEndpoint(Pipeline pipeline, Auditor auditor, Vertx vertx) {
    this.pipeline = pipeline;
    this.auditor = auditor;
    this.vertx = vertx;
  }

  @Override
  public void handle(RoutingContext context) {
    HttpServerRequest request = context.request();
    request.pause();
    AuditTrail trail = new AuditTrail(request.remoteAddress() == null ? null : request.remoteAddress().hostAddress(),
        request.getHeader("User-Agent"), TraceContext.continueOrStart(request.getHeader("traceparent")));
    trail.methodIfUnknown(request.method().name());
    ClientReply reply = new AuditedReply(new HttpReply(request.response(), request.method() == HttpMethod.GET), trail, auditor, vertx,
        request.method() == HttpMethod.GET);
    pipeline.run(Exchange.start(request, reply)).onFailure(reply::fail);
  }
}
