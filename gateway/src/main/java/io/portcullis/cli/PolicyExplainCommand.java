package io.portcullis.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.config.PortcullisConfig;
import io.portcullis.mcp.JsonRpcCodec;
import io.portcullis.policy.Decision;
import io.portcullis.policy.PolicyEngine;
import io.portcullis.policy.PolicyEngines;
import io.portcullis.policy.PolicyInputs;
import io.portcullis.policy.ToolAccess;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code portcullis policy explain}: the input document a tools/call would produce and the
 * decision the configured policy makes about it, without a running gateway.
 */
@Command(name = "explain", mixinStandardHelpOptions = true,
    description = "Print the policy input for a tools/call and the decision, with its reasons.")
final class PolicyExplainCommand implements Callable<Integer> {
  @Mixin
  ConfigOption config;

  @Option(names = "--principal", required = true, paramLabel = "P.json",
      description = "The principal as the policy sees it: {\"subject\", \"provider\", \"roles\", \"groups\", \"scopes\", \"claims\"}")
  Path principal;

  @Option(names = "--tool", required = true, paramLabel = "NAME", description = "The tool to call")
  String tool;

  @Option(names = "--args", paramLabel = "A.json", description = "The call's arguments (a JSON object)")
  Path arguments;

  @Option(names = "--backend", paramLabel = "NAME", description = "The backend (default: the first configured)")
  String backend;

  @Option(names = "--annotations", paramLabel = "T.json", description = "The tool's annotations, as its backend lists them")
  Path annotations;

  @Override
  public Integer call() throws Exception {
    PortcullisConfig loaded = config.loadOrReport();
    if (loaded == null) {
      return 2;
    }
    String backendName = backend != null ? backend : loaded.backends().get(0).name();
    JsonNode toolAnnotations = annotations == null ? null : read(annotations);
    ObjectNode definition = JsonRpcCodec.object();
    if (toolAnnotations != null) {
      definition.set("annotations", toolAnnotations);
    }
    String access = new ToolAccess(loaded.policy().toolAccess()).classify(backendName, tool, definition);
    ObjectNode input = PolicyInputs.document("tools/call", (ObjectNode) read(principal),
        PolicyInputs.toolTarget(tool, backendName, tool, access, toolAnnotations),
        arguments == null ? JsonRpcCodec.object() : read(arguments), null, null);

    Vertx vertx = Vertx.vertx();
    PolicyEngine engine = PolicyEngines.create(vertx, loaded.policy(), ConfigOption.home());
    try {
      engine.start().toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
      Decision decision = engine.decide(input).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      ObjectNode out = JsonRpcCodec.object();
      out.set("input", input);
      ObjectNode d = out.putObject("decision");
      d.put("outcome", decision.outcome().name().toLowerCase(java.util.Locale.ROOT));
      decision.reasons().forEach(d.putArray("reasons")::add);
      decision.requiredScopes().forEach(d.putArray("required_scopes")::add);
      d.put("decision_id", decision.decisionId()).put("policy_revision", decision.policyRevision());
      System.out.println(JsonRpcCodec.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(out));
      return 0;
    } catch (Exception e) {
      System.err.println("portcullis: cannot evaluate the policy: " + (e.getCause() == null ? e : e.getCause()).getMessage());
      return 1;
    } finally {
      engine.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static JsonNode read(Path file) throws Exception {
    return JsonRpcCodec.mapper().readTree(Files.readString(file));
  }
}
