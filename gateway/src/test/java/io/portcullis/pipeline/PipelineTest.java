package io.portcullis.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.IntNode;
import io.portcullis.mcp.JsonRpcError;
import io.portcullis.mcp.JsonRpcErrorCodes;
import io.portcullis.mcp.JsonRpcResponse;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PipelineTest {

  /** A test stage that records that it ran and passes the exchange on, or fails as told. */
  private abstract static class Recorder implements Stage {
    private final Phase phase;
    private final List<String> log;
    private final RuntimeException failure;

    Recorder(Phase phase, List<String> log, RuntimeException failure) {
      this.phase = phase;
      this.log = log;
      this.failure = failure;
    }

    @Override
    public Phase phase() {
      return phase;
    }

    @Override
    public Future<Exchange> apply(Exchange exchange) {
      log.add(getClass().getSimpleName());
      if (failure != null) {
        return Future.failedFuture(failure);
      }
      String seen = exchange.protocolVersion() == null ? "" : exchange.protocolVersion() + ">";
      return Future.succeededFuture(exchange.withTransport(seen + getClass().getSimpleName(), exchange.body()));
    }
  }

  private static final class HostCheck extends Recorder {
    HostCheck(List<String> log) {
      super(Phase.TRANSPORT, log, null);
    }
  }

  private static final class Login extends Recorder {
    Login(List<String> log) {
      this(log, null);
    }

    Login(List<String> log, RuntimeException failure) {
      super(Phase.AUTHENTICATE, log, failure);
    }
  }

  private static final class Decode extends Recorder {
    Decode(List<String> log) {
      super(Phase.PARSE, log, null);
    }
  }

  private static final class Policy extends Recorder {
    Policy(List<String> log) {
      super(Phase.AUTHORIZE, log, null);
    }
  }

  private static final class Deliver extends Recorder {
    Deliver(List<String> log) {
      super(Phase.FORWARD, log, null);
    }
  }

  /** A stage that breaks its contract by throwing instead of failing its future. */
  private static final class Thrower implements Stage {
    @Override
    public Phase phase() {
      return Phase.PARSE;
    }

    @Override
    public Future<Exchange> apply(Exchange exchange) {
      throw new IllegalStateException("boom");
    }
  }

  private final List<String> log = new ArrayList<>();

  private static Exchange exchange() {
    return Exchange.start(null, null).withTransport(null, Buffer.buffer("{}"));
  }

  @Nested
  class Building {
    @Test
    void stagesInPhaseOrderBuildAPipeline() {
      Pipeline pipeline = Pipeline.builder()
          .add(new HostCheck(log)).add(new Login(log)).add(new Decode(log)).add(new Policy(log)).add(new Deliver(log))
          .build();

      assertThat(pipeline.phases())
          .containsExactly(Phase.TRANSPORT, Phase.AUTHENTICATE, Phase.PARSE, Phase.AUTHORIZE, Phase.FORWARD);
    }

    @Test
    void aStageAddedAfterALaterPhaseIsRefusedWithAMessageNamingBothStages() {
      Pipeline.Builder builder = Pipeline.builder().add(new HostCheck(log)).add(new Decode(log));

      assertThatThrownBy(() -> builder.add(new Login(log)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("Login")
          .hasMessageContaining("AUTHENTICATE")
          .hasMessageContaining("Decode")
          .hasMessageContaining("PARSE");
    }

    @Test
    void twoStagesOfTheSamePhaseAreRefused() {
      Pipeline.Builder builder = Pipeline.builder().add(new HostCheck(log)).add(new Login(log));

      assertThatThrownBy(() -> builder.add(new Login(log)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("Login");
    }

    @Test
    void anEmptyPipelineIsRefused() {
      assertThatThrownBy(() -> Pipeline.builder().build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("TRANSPORT");
    }

    @Test
    void aPipelineThatDoesNotStartWithTransportIsRefused() {
      Pipeline.Builder builder = Pipeline.builder().add(new Login(log)).add(new Deliver(log));

      assertThatThrownBy(builder::build)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("TRANSPORT");
    }

    @Test
    void aPipelineThatDoesNotEndWithForwardIsRefused() {
      Pipeline.Builder builder = Pipeline.builder().add(new HostCheck(log)).add(new Login(log));

      assertThatThrownBy(builder::build)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("FORWARD");
    }

    @Test
    void nothingMayBeAddedAfterTheTerminalStage() {
      Pipeline.Builder builder = Pipeline.builder().add(new HostCheck(log)).add(new Deliver(log));

      assertThatThrownBy(() -> builder.add(new Policy(log)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("Policy")
          .hasMessageContaining("Deliver");
    }
  }

  @Nested
  class Running {
    @Test
    void stagesRunInOrderEachOnTheResultOfTheOneBefore() {
      Pipeline pipeline = Pipeline.builder()
          .add(new HostCheck(log)).add(new Login(log)).add(new Decode(log)).add(new Deliver(log))
          .build();

      Future<Exchange> result = pipeline.run(exchange());

      assertThat(log).containsExactly("HostCheck", "Login", "Decode", "Deliver");
      assertThat(result.succeeded()).isTrue();
      assertThat(result.result().protocolVersion()).isEqualTo("HostCheck>Login>Decode>Deliver");
    }

    @Test
    void aStageThatAnswersLaterHoldsTheRestBackUntilItHas() {
      io.vertx.core.Promise<Exchange> later = io.vertx.core.Promise.promise();
      Stage slowLogin = new Stage() {
        @Override
        public Phase phase() {
          return Phase.AUTHENTICATE;
        }

        @Override
        public Future<Exchange> apply(Exchange exchange) {
          log.add("SlowLogin");
          return later.future().map(e -> e.withTransport(e.protocolVersion() + ">SlowLogin", e.body()));
        }
      };
      Pipeline pipeline = Pipeline.builder()
          .add(new HostCheck(log)).add(slowLogin).add(new Decode(log)).add(new Deliver(log))
          .build();
      Exchange start = exchange();

      Future<Exchange> result = pipeline.run(start);
      assertThat(log).containsExactly("HostCheck", "SlowLogin");
      assertThat(result.isComplete()).isFalse();

      later.complete(start.withTransport("HostCheck", start.body()));

      assertThat(log).containsExactly("HostCheck", "SlowLogin", "Decode", "Deliver");
      assertThat(result.succeeded()).isTrue();
      assertThat(result.result().protocolVersion()).isEqualTo("HostCheck>SlowLogin>Decode>Deliver");
    }

    @Test
    void theFirstFailureStopsThePipelineAndIsItsResult() {
      GatewayException refusal = new GatewayException(Failure.FORBIDDEN_ORIGIN, "Forbidden");
      Pipeline pipeline = Pipeline.builder()
          .add(new HostCheck(log)).add(new Login(log, refusal)).add(new Decode(log)).add(new Deliver(log))
          .build();

      Future<Exchange> result = pipeline.run(exchange());

      assertThat(log).containsExactly("HostCheck", "Login");
      assertThat(result.failed()).isTrue();
      assertThat(result.cause()).isSameAs(refusal);
    }

    @Test
    void aStageThatThrowsFailsThePipelineWithoutRunningLaterStages() {
      Pipeline pipeline = Pipeline.builder()
          .add(new HostCheck(log)).add(new Thrower()).add(new Deliver(log))
          .build();

      Future<Exchange> result = pipeline.run(exchange());

      assertThat(log).containsExactly("HostCheck");
      assertThat(result.failed()).isTrue();
      assertThat(result.cause()).isInstanceOf(IllegalStateException.class).hasMessage("boom");
    }
  }

  @Nested
  class Errors {
    /** The status and body of DESIGN.md "Errors the client sees", and of the MCP transport spec for the rest. */
    private record Expected(int status, Integer jsonRpcCode) {
      static Expected json(int status, int code) {
        return new Expected(status, code);
      }

      static Expected text(int status) {
        return new Expected(status, null);
      }
    }

    private static final Map<Failure, Expected> TABLE = new EnumMap<>(Map.ofEntries(
        Map.entry(Failure.FORBIDDEN_ORIGIN, Expected.json(403, JsonRpcErrorCodes.FORBIDDEN)),
        // Authentication failures carry an OAuth error body, not JSON-RPC (mapped with no JSON-RPC code).
        Map.entry(Failure.UNAUTHENTICATED, Expected.text(401)),
        Map.entry(Failure.INSUFFICIENT_SCOPE, Expected.text(403)),
        Map.entry(Failure.AUTH_UNAVAILABLE, Expected.text(503)),
        Map.entry(Failure.METHOD_NOT_ALLOWED, Expected.text(405)),
        Map.entry(Failure.NO_SERVER_STREAM, Expected.text(405)),
        Map.entry(Failure.NOT_ACCEPTABLE, Expected.text(406)),
        Map.entry(Failure.UNSUPPORTED_MEDIA_TYPE, Expected.text(415)),
        Map.entry(Failure.BAD_PROTOCOL_VERSION, Expected.json(400, JsonRpcErrorCodes.INVALID_REQUEST)),
        Map.entry(Failure.BODY_TOO_LARGE, Expected.json(413, JsonRpcErrorCodes.REQUEST_TOO_LARGE)),
        Map.entry(Failure.PARSE_ERROR, Expected.json(400, JsonRpcErrorCodes.PARSE_ERROR)),
        Map.entry(Failure.INVALID_REQUEST, Expected.json(400, JsonRpcErrorCodes.INVALID_REQUEST)),
        Map.entry(Failure.SESSION_REQUIRED, Expected.json(400, JsonRpcErrorCodes.INVALID_REQUEST)),
        Map.entry(Failure.SESSION_NOT_FOUND, Expected.json(404, JsonRpcErrorCodes.SESSION_NOT_FOUND)),
        Map.entry(Failure.TOO_MANY_SESSIONS, Expected.json(503, JsonRpcErrorCodes.TOO_MANY_SESSIONS)),
        Map.entry(Failure.STREAM_CONFLICT, Expected.json(409, JsonRpcErrorCodes.INVALID_REQUEST)),
        Map.entry(Failure.BACKEND_UNAVAILABLE, Expected.json(502, JsonRpcErrorCodes.BACKEND_UNAVAILABLE)),
        Map.entry(Failure.BACKEND_REJECTED, Expected.json(502, JsonRpcErrorCodes.BACKEND_UNAVAILABLE)),
        Map.entry(Failure.UPSTREAM_SESSION_LOST, Expected.json(502, JsonRpcErrorCodes.BACKEND_UNAVAILABLE)),
        Map.entry(Failure.AUDIT_UNAVAILABLE, Expected.json(200, JsonRpcErrorCodes.AUDIT_UNAVAILABLE)),
        Map.entry(Failure.BACKEND_TIMEOUT, Expected.json(504, JsonRpcErrorCodes.BACKEND_TIMEOUT)),
        Map.entry(Failure.UPSTREAM_ERROR, Expected.json(200, JsonRpcErrorCodes.SERVER_ERROR)),
        // Policy refusals carry their own JSON-RPC error (code and data); these are the fallbacks.
        Map.entry(Failure.POLICY_DENIED, Expected.json(200, JsonRpcErrorCodes.SERVER_ERROR)),
        Map.entry(Failure.POLICY_ERROR, Expected.json(200, JsonRpcErrorCodes.SERVER_ERROR)),
        Map.entry(Failure.UNKNOWN_TARGET, Expected.json(200, JsonRpcErrorCodes.INVALID_PARAMS)),
        Map.entry(Failure.INTERNAL, Expected.json(500, JsonRpcErrorCodes.INTERNAL_ERROR))));

    @ParameterizedTest(name = "{0}")
    @EnumSource(Failure.class)
    void everyFailureGetsTheStatusAndBodyOfTheDesignTable(Failure failure) {
      assertThat(TABLE).as("the expected answer for %s is written down", failure).containsKey(failure);

      ErrorResponder.Mapping mapping = ErrorResponder.map(failure);

      assertThat(mapping.status()).isEqualTo(TABLE.get(failure).status());
      assertThat(mapping.jsonRpcCode()).isEqualTo(TABLE.get(failure).jsonRpcCode());
    }

    @Test
    void anUpstreamErrorReachesTheClientUnchanged() {
      JsonRpcError upstream = new JsonRpcError(-32602, "Unknown tool: nope", IntNode.valueOf(1));

      JsonRpcResponse response = ErrorResponder.asJsonRpc(GatewayException.upstreamError(upstream), IntNode.valueOf(9));

      assertThat(response.id()).isEqualTo(IntNode.valueOf(9));
      assertThat(response.error()).isEqualTo(upstream);
    }

    @Test
    void aGatewayRefusalBecomesAJsonRpcErrorWithItsCodeAndMessage() {
      GatewayException e = new GatewayException(Failure.SESSION_NOT_FOUND, "Session not found");

      JsonRpcResponse response = ErrorResponder.asJsonRpc(e, IntNode.valueOf(4));

      assertThat(response.error()).isEqualTo(JsonRpcError.of(JsonRpcErrorCodes.SESSION_NOT_FOUND, "Session not found"));
    }

    @Test
    void aFailureWithATextBodyStillBecomesAServerErrorOnAnOpenStream() {
      JsonRpcResponse response = ErrorResponder.asJsonRpc(
          new GatewayException(Failure.NOT_ACCEPTABLE, "Not Acceptable"), IntNode.valueOf(4));

      assertThat(response.error().code()).isEqualTo(JsonRpcErrorCodes.SERVER_ERROR);
    }

    @Test
    void anUnexpectedThrowableIsNormalisedToAnInternalErrorThatHidesItsMessage() {
      GatewayException e = ErrorResponder.normalise(new NullPointerException("secret detail"));

      assertThat(e.failure()).isEqualTo(Failure.INTERNAL);
      assertThat(e.getMessage()).doesNotContain("secret");
    }
  }
}
