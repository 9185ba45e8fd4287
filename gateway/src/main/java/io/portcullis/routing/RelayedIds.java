package io.portcullis.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.portcullis.mcp.JsonRpcCodec;
import java.util.Optional;

/**
 * Ids of requests a backend sends to a client (sampling, elicitation, roots/list), as the client
 * sees them: {@code <backend>:<the backend's id as JSON>}. The id names its backend and carries
 * the original, so the client's answer routes back without state, on any replica.
 */
public final class RelayedIds {
  private RelayedIds() {
  }

  /** A backend's request id as shown to the client. */
  public record Origin(String backend, JsonNode upstreamId) {
  }

  public static JsonNode encode(String backend, JsonNode upstreamId) {
    return new TextNode(backend + ":" + upstreamId.toString());
  }

  /** The backend and original id behind a client-facing id, or empty if the gateway never issued it. */
  public static Optional<Origin> decode(JsonNode clientFacingId) {
    if (clientFacingId == null || !clientFacingId.isTextual()) {
      return Optional.empty();
    }
    String text = clientFacingId.asText();
    int colon = text.indexOf(':');
    if (colon <= 0) {
      return Optional.empty();
    }
    try {
      JsonNode original = JsonRpcCodec.mapper().readTree(text.substring(colon + 1));
      if (original == null || !(original.isTextual() || original.isIntegralNumber())
          || !encode(text.substring(0, colon), original).asText().equals(text)) {
        return Optional.empty();
      }
      return Optional.of(new Origin(text.substring(0, colon), original));
    } catch (Exception e) {
      return Optional.empty();
    }
  }
}
