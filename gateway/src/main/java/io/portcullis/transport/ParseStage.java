package io.portcullis.transport;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.mcp.JsonRpcCodec;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.portcullis.mcp.JsonRpcErrorCodes;
import io.portcullis.mcp.JsonRpcMessage;
import io.portcullis.mcp.JsonRpcRequest;
import java.util.List;
import io.portcullis.mcp.MalformedMessageException;
import io.portcullis.pipeline.Exchange;
import io.portcullis.pipeline.Failure;
import io.portcullis.pipeline.GatewayException;
import io.portcullis.pipeline.Phase;
import io.portcullis.pipeline.Stage;
import io.vertx.core.Future;

/**
 * Reads the JSON-RPC message a POST carries: not JSON is -32700, not a JSON-RPC message is
 * -32600. A batch (a JSON array) is read here, and refused with initialize in it; whether its
 * session speaks a protocol with batches (2025-03-26; from 2025-06-18 on there are none) is
 * for {@link SessionStage} to say. The pipeline then runs each element on its own, so each is
 * routed, decided and answered exactly like a lone message.
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
        List<JsonRpcMessage> batch = JsonRpcCodec.fromBatch((ArrayNode) tree);
        if (batch.stream().anyMatch(m -> m instanceof JsonRpcRequest r && r.isInitialize())) {
          return Future.failedFuture(new GatewayException(Failure.INVALID_REQUEST,
              "Invalid Request: initialize cannot be part of a batch"));
        }
        return Future.succeededFuture(exchange.withBatch(batch));
      }
      return Future.succeededFuture(exchange.withMessage(JsonRpcCodec.fromTree(tree)));
    } catch (MalformedMessageException e) {
      Failure failure = e.code() == JsonRpcErrorCodes.PARSE_ERROR ? Failure.PARSE_ERROR : Failure.INVALID_REQUEST;
      return Future.failedFuture(new GatewayException(failure, e.getMessage()));
    }
  }
}
