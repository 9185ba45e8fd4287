package io.portcullis.transport;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.mcp.JsonRpcCodec;
import io.portcullis.mcp.JsonRpcErrorCodes;
import io.portcullis.mcp.MalformedMessageException;
import io.portcullis.pipeline.Exchange;
import io.portcullis.pipeline.Failure;
import io.portcullis.pipeline.GatewayException;
import io.portcullis.pipeline.Phase;
import io.portcullis.pipeline.Stage;
import io.vertx.core.Future;

/**
 * Reads the one JSON-RPC message a POST carries: not JSON is -32700, not a JSON-RPC message is
 * -32600. A batch is refused: from 2025-06-18 on the protocol has none, and the gateway does not
 * take them from older clients either (one message per request keeps policy and audit exact).
 */
public final class ParseStage implements Stage {
  @Override
  public Phase phase() {
    return Phase.PARSE;
  }

  @Override
  public Future<Exchange> apply(Exchange exchange) {
    if (exchange.body() == null) {
      return Future.succeededFuture(exchange);
    }
    try {
      JsonNode tree = JsonRpcCodec.parseTree(exchange.body());
      if (tree.isArray()) {
        return Future.failedFuture(new GatewayException(Failure.INVALID_REQUEST,
            "Invalid Request: JSON-RPC batches are not supported; send one message per request"));
      }
      return Future.succeededFuture(exchange.withMessage(JsonRpcCodec.fromTree(tree)));
    } catch (MalformedMessageException e) {
      Failure failure = e.code() == JsonRpcErrorCodes.PARSE_ERROR ? Failure.PARSE_ERROR : Failure.INVALID_REQUEST;
      return Future.failedFuture(new GatewayException(failure, e.getMessage()));
    }
  }
}
