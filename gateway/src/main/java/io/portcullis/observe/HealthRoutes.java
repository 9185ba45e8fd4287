package io.portcullis.observe;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/** /healthz (the process answers) and /readyz (it can serve), each with a small JSON body. */
public final class HealthRoutes {
  private HealthRoutes() {
  }

  public static void mount(Router router, java.util.function.Supplier<JsonObject> readiness) {
    router.get("/healthz").handler(ctx -> ctx.json(new JsonObject().put("status", "ok")));
    router.get("/readyz").handler(ctx -> {
      JsonObject body = readiness.get();
      ctx.response().setStatusCode("ready".equals(body.getString("status")) ? 200 : 503);
      ctx.json(body);
    });
  }
}
