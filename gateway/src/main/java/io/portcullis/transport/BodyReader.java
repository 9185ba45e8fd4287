package io.portcullis.transport;

import io.portcullis.pipeline.Failure;
import io.portcullis.pipeline.GatewayException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

/**
 * Reads a request body while enforcing its size limit: a declared Content-Length over the limit
 * is refused before a byte is read, and a body that grows past it is refused as soon as it does.
 */
final class BodyReader {
  private BodyReader() {
  }

  /** Completes with the whole body, or fails with {@link Failure#BODY_TOO_LARGE}. */
  static Future<Buffer> read(HttpServerRequest request, long limit) {
    String declared = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (declared != null) {
      try {
        if (Long.parseLong(declared.trim()) > limit) {
          return tooLarge(request, limit);
        }
      } catch (NumberFormatException e) {
        return Future.failedFuture(new GatewayException(Failure.INVALID_REQUEST, "Bad Request: invalid Content-Length"));
      }
    }
    Promise<Buffer> body = Promise.promise();
    Collected collected = new Collected();
    request.handler(chunk -> {
      if (body.future().isComplete()) {
        return;
      }
      if (collected.length() + chunk.length() > limit) {
        tooLarge(request, limit).onFailure(body::tryFail);
        return;
      }
      collected.add(chunk);
    });
    request.endHandler(v -> body.tryComplete(collected.whole()));
    request.exceptionHandler(body::tryFail);
    request.resume();
    return body.future();
  }

  /**
   * The chunks read so far. A body that came in one chunk (most do) is that chunk, not a copy;
   * Vert.x hands each chunk over as a buffer of its own.
   */
  private static final class Collected {
    private Buffer first;
    private Buffer joined;

    int length() {
      return joined != null ? joined.length() : first != null ? first.length() : 0;
    }

    void add(Buffer chunk) {
      if (first == null) {
        first = chunk;
        return;
      }
      if (joined == null) {
        joined = Buffer.buffer(first.length() + chunk.length()).appendBuffer(first);
      }
      joined.appendBuffer(chunk);
    }

    Buffer whole() {
      return joined != null ? joined : first != null ? first : Buffer.buffer(0);
    }
  }

  private static Future<Buffer> tooLarge(HttpServerRequest request, long limit) {
    // The rest of an oversized body is not worth reading: the connection closes after the answer.
    request.response().putHeader(HttpHeaders.CONNECTION, "close");
    return Future.failedFuture(new GatewayException(Failure.BODY_TOO_LARGE,
        "Request body larger than " + limit + " bytes"));
  }
}
