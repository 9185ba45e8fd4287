package io.portcullis.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Loads a configuration from YAML (or JSON, which YAML reads too): substitutes {@code ${ENV}},
 * rejects unknown keys, applies defaults, validates, and reports every problem with its path in
 * one {@link ConfigException}.
 */
public final class ConfigLoader {
  /** The default configuration packaged in the jar, a copy of config/portcullis.yaml. */
  public static final String EMBEDDED_DEFAULT = "/portcullis.yaml";

  private final Function<String, String> env;

  public ConfigLoader() {
    this(System::getenv);
  }

  public ConfigLoader(Function<String, String> env) {
    this.env = env;
  }

  public PortcullisConfig load(Path file) throws ConfigException {
    try (InputStream in = Files.newInputStream(file)) {
      return load(in, file.toString());
    } catch (IOException e) {
      throw new ConfigException(file.toString(), List.of("cannot read the file: " + e.getMessage()));
    }
  }

  public PortcullisConfig loadEmbeddedDefault() throws ConfigException {
    try (InputStream in = ConfigLoader.class.getResourceAsStream(EMBEDDED_DEFAULT)) {
      if (in == null) {
        throw new ConfigException("(embedded)", List.of("the jar has no " + EMBEDDED_DEFAULT));
      }
      return load(in, "(embedded default)");
    } catch (IOException e) {
      throw new ConfigException("(embedded)", List.of(e.getMessage()));
    }
  }

  public PortcullisConfig load(InputStream in, String source) throws ConfigException {
    List<String> problems = new ArrayList<>();
    JsonNode tree;
    try {
      tree = new YAMLMapper().readTree(in);
    } catch (IOException e) {
      throw new ConfigException(source, List.of("not valid YAML or JSON: " + firstLine(e.getMessage())));
    }
    if (tree == null || tree.isMissingNode() || tree.isNull()) {
      tree = new ObjectMapper().createObjectNode();
    }
    if (!tree.isObject()) {
      throw new ConfigException(source, List.of("the top level must be a mapping"));
    }
    requirePlaintextTokensFromEnvironment(tree, problems);
    new EnvSubstitution(env).apply(tree, "", problems);
    PortcullisConfig config = bind(tree, problems);
    if (config != null) {
      // A value removed for its type would also fail validation: report each path once.
      List<String> seen = problems.stream().map(p -> p.substring(0, p.indexOf(':') < 0 ? p.length() : p.indexOf(':'))).toList();
      new ConfigValidator().validate(config).stream()
          .filter(p -> seen.stream().noneMatch(path -> p.startsWith(path + ":")))
          .forEach(problems::add);
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(source, problems);
    }
    return config;
  }

  /** A plaintext static token must not sit in the file: only {@code token: ${NAME}} is accepted. */
  private static void requirePlaintextTokensFromEnvironment(JsonNode tree, List<String> problems) {
    JsonNode providers = tree.path("auth").path("providers");
    for (int i = 0; i < providers.size(); i++) {
      JsonNode tokens = providers.get(i).path("static").path("tokens");
      for (int j = 0; j < tokens.size(); j++) {
        JsonNode token = tokens.get(j).get("token");
        if (token != null && !(token.isTextual() && token.asText().matches("\\$\\{[A-Za-z_][A-Za-z0-9_]*}"))) {
          problems.add("auth.providers[" + i + "].static.tokens[" + j + "].token: a plaintext token may only come from"
              + " the environment, as ${NAME}; or configure its sha256");
        }
      }
    }
  }

  /**
   * Binds the tree to the config records, noting unknown keys as problems. Jackson stops at the
   * first value of the wrong type, so each such value is noted, removed, and binding tried again:
   * every bad value gets reported. Returns the bound config (to validate further) or null.
   */
  private static PortcullisConfig bind(JsonNode tree, List<String> problems) {
    List<String> unknownKeys = new ArrayList<>();
    PortcullisConfig config = null;
    for (int attempt = 0; attempt < 50 && config == null; attempt++) {
      unknownKeys.clear();
      try {
        config = mapper(unknownKeys).treeToValue(tree, PortcullisConfig.class);
      } catch (JsonMappingException e) {
        problems.add(pathOf(e) + ": " + firstLine(e.getOriginalMessage()));
        if (!removeAt(tree, e.getPath())) {
          break;
        }
      } catch (JsonProcessingException e) {
        problems.add(firstLine(e.getOriginalMessage()));
        break;
      }
    }
    problems.addAll(unknownKeys);
    return config;
  }

  private static boolean removeAt(JsonNode tree, List<JsonMappingException.Reference> path) {
    if (path.isEmpty()) {
      return false;
    }
    JsonNode parent = tree;
    for (JsonMappingException.Reference ref : path.subList(0, path.size() - 1)) {
      parent = ref.getFieldName() != null ? parent.get(ref.getFieldName()) : parent.get(ref.getIndex());
      if (parent == null) {
        return false;
      }
    }
    JsonMappingException.Reference last = path.get(path.size() - 1);
    if (parent instanceof com.fasterxml.jackson.databind.node.ObjectNode object && last.getFieldName() != null) {
      return object.remove(last.getFieldName()) != null;
    }
    if (parent instanceof com.fasterxml.jackson.databind.node.ArrayNode array && last.getIndex() >= 0) {
      return array.remove(last.getIndex()) != null;
    }
    return false;
  }

  private static ObjectMapper mapper(List<String> problems) {
    SimpleModule units = new SimpleModule("portcullis-units");
    units.addDeserializer(Duration.class, new JsonDeserializer<>() {
      @Override
      public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        try {
          return Durations.parse(p.getValueAsString(p.getText()));
        } catch (IllegalArgumentException e) {
          throw JsonMappingException.from(p, e.getMessage());
        }
      }
    });
    units.addDeserializer(ByteSize.class, new JsonDeserializer<>() {
      @Override
      public ByteSize deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        try {
          return ByteSize.parse(p.getText());
        } catch (IllegalArgumentException | ArithmeticException e) {
          throw JsonMappingException.from(p, e.getMessage());
        }
      }
    });
    ObjectMapper mapper = new ObjectMapper()
        .registerModule(units)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
    mapper.addHandler(new DeserializationProblemHandler() {
      @Override
      public boolean handleUnknownProperty(DeserializationContext ctxt, JsonParser p, JsonDeserializer<?> deserializer,
          Object beanOrClass, String propertyName) throws IOException {
        // With a mapping or list as value the parser already stands inside it, one level deeper.
        JsonStreamContext holder = p.currentToken() != null && p.currentToken().isStructStart()
            ? p.getParsingContext().getParent().getParent() : p.getParsingContext().getParent();
        problems.add(join(pathOf(holder), propertyName) + ": unknown key");
        p.skipChildren();
        return true;
      }
    });
    return mapper;
  }

  private static String pathOf(JsonStreamContext context) {
    List<String> parts = new ArrayList<>();
    for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
      if (c.inArray()) {
        parts.add(0, "[" + c.getCurrentIndex() + "]");
      } else if (c.getCurrentName() != null) {
        parts.add(0, "." + c.getCurrentName());
      }
    }
    String path = String.join("", parts);
    return path.startsWith(".") ? path.substring(1) : path;
  }

  private static String pathOf(JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        path.append(path.length() == 0 ? "" : ".").append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    return path.length() == 0 ? "(top level)" : path.toString();
  }

  private static String join(String parent, String key) {
    return parent.isEmpty() ? key : parent + "." + key;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
