package io.portcullis.routing;

import io.vertx.core.Handler;
import io.vertx.core.streams.ReadStream;
import java.util.function.UnaryOperator;

/** A stream whose items pass through a one-to-one mapping on their way; flow control is the source's. */
final class MappedStream implements ReadStream<Outbound> {
  private final ReadStream<Outbound> source;
  private final UnaryOperator<Outbound> mapping;

  MappedStream(ReadStream<Outbound> source, UnaryOperator<Outbound> mapping) {
    this.source = source;
    this.mapping = mapping;
  }

  @Override
  public ReadStream<Outbound> exceptionHandler(Handler<Throwable> handler) {
    source.exceptionHandler(handler);
    return this;
  }

  @Override
  public ReadStream<Outbound> handler(Handler<Outbound> handler) {
    source.handler(handler == null ? null : item -> handler.handle(mapping.apply(item)));
    return this;
  }

  @Override
  public ReadStream<Outbound> pause() {
    source.pause();
    return this;
  }

  @Override
  public ReadStream<Outbound> resume() {
    source.resume();
    return this;
  }

  @Override
  public ReadStream<Outbound> fetch(long amount) {
    source.fetch(amount);
    return this;
  }

  @Override
  public ReadStream<Outbound> endHandler(Handler<Void> endHandler) {
    source.endHandler(endHandler);
    return this;
  }
}
