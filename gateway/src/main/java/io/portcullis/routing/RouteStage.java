package io.portcullis.routing;

import io.portcullis.pipeline.Exchange;
import io.portcullis.pipeline.Phase;
import io.portcullis.pipeline.Stage;
import io.vertx.core.Future;

/**
 * Picks the backend a message goes to. With one backend that is the session's backend; the
 * catalog of many backends routes by name prefix here.
 */
public final class RouteStage implements Stage {
  @Override
  public Phase phase() {
    return Phase.ROUTE;
  }

  @Override
  public Future<Exchange> apply(Exchange exchange) {
    return Future.succeededFuture(exchange.withBackend(exchange.session().backend()));
  }
}
