package io.portcullis.transport;

import io.portcullis.config.McpConfig;
import io.portcullis.mcp.McpHeaders;
import io.portcullis.mcp.ProtocolVersions;
import io.portcullis.pipeline.Exchange;
import io.portcullis.pipeline.Failure;
import io.portcullis.pipeline.GatewayException;
import io.portcullis.pipeline.Phase;
import io.portcullis.pipeline.Stage;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;

/**
 * The checks every /mcp request passes before anything looks at what it says: Host and Origin,
 * the HTTP method, media types, the protocol version header, and the body read under its limit.
 */
public final class TransportStage implements Stage {
  private final OriginGuard originGuard;
  private final long maxBodyBytes;

  public TransportStage(McpConfig config) {
    this.originGuard = new OriginGuard(config);
    this.maxBodyBytes = config.maxBodySize().bytes();
  }

  @Override
  public Phase phase() {
    return Phase.TRANSPORT;
  }

  @Override
  public Future<Exchange> apply(Exchange exchange) {
    HttpServerRequest http = exchange.http();
    String refusal = originGuard.check(authorityOf(http), http.getHeader(HttpHeaders.ORIGIN));
    if (refusal != null) {
      return fail(Failure.FORBIDDEN_ORIGIN, refusal);
    }
    HttpMethod method = http.method();
    if (!(method == HttpMethod.POST || method == HttpMethod.GET || method == HttpMethod.DELETE)) {
      return fail(Failure.METHOD_NOT_ALLOWED, "Method Not Allowed: use POST, GET or DELETE");
    }
    String version = http.getHeader(McpHeaders.PROTOCOL_VERSION);
    if (version != null && !ProtocolVersions.isSupported(version)) {
      return fail(Failure.BAD_PROTOCOL_VERSION, "Bad Request: unsupported MCP-Protocol-Version '" + version
          + "' (supported: " + String.join(", ", ProtocolVersions.SUPPORTED) + ")");
    }
    String effectiveVersion = version == null ? ProtocolVersions.ASSUMED_WHEN_ABSENT : version;
    String accept = http.getHeader(HttpHeaders.ACCEPT);
    if (method == HttpMethod.GET) {
      if (!MediaTypes.accepts(accept, McpHeaders.TEXT_EVENT_STREAM)) {
        return fail(Failure.NOT_ACCEPTABLE, "Not Acceptable: a GET must accept text/event-stream");
      }
      return Future.succeededFuture(exchange.withTransport(effectiveVersion, null));
    }
    if (method == HttpMethod.DELETE) {
      return Future.succeededFuture(exchange.withTransport(effectiveVersion, null));
    }
    String contentType = http.getHeader(HttpHeaders.CONTENT_TYPE);
    if (contentType == null || !MediaTypes.essence(contentType).equals(McpHeaders.APPLICATION_JSON)) {
      return fail(Failure.UNSUPPORTED_MEDIA_TYPE, "Unsupported Media Type: the body must be application/json");
    }
    if (!MediaTypes.accepts(accept, McpHeaders.APPLICATION_JSON) || !MediaTypes.accepts(accept, McpHeaders.TEXT_EVENT_STREAM)) {
      return fail(Failure.NOT_ACCEPTABLE, "Not Acceptable: a POST must accept both application/json and text/event-stream");
    }
    return BodyReader.read(http, maxBodyBytes).map(body -> exchange.withTransport(effectiveVersion, body));
  }

  /** The Host header, or HTTP/2's :authority, as {@code host[:port]}; null when absent. */
  private static String authorityOf(HttpServerRequest http) {
    String host = http.getHeader(HttpHeaders.HOST);
    if (host != null) {
      return host;
    }
    var authority = http.authority();
    if (authority == null) {
      return null;
    }
    return authority.port() < 0 ? authority.host() : authority.host() + ":" + authority.port();
  }

  private static Future<Exchange> fail(Failure failure, String message) {
    return Future.failedFuture(new GatewayException(failure, message));
  }
}
