package io.portcullis.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces {@code ${NAME}} and {@code ${NAME:-default}} in the string values of a config tree
 * (keys are never substituted); {@code $${} stands for a literal {@code ${}. An unset variable
 * without a default is a problem reported with its path, never an empty string.
 */
final class EnvSubstitution {
  private static final Pattern REFERENCE = Pattern.compile("\\$\\$\\{|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

  private final Function<String, String> env;

  EnvSubstitution(Function<String, String> env) {
    this.env = env;
  }

  void apply(JsonNode node, String path, List<String> problems) {
    if (node instanceof ObjectNode object) {
      Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        String childPath = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
        if (field.getValue().isTextual()) {
          field.setValue(new TextNode(substitute(field.getValue().asText(), childPath, problems)));
        } else {
          apply(field.getValue(), childPath, problems);
        }
      }
    } else if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        String childPath = path + "[" + i + "]";
        if (array.get(i).isTextual()) {
          array.set(i, new TextNode(substitute(array.get(i).asText(), childPath, problems)));
        } else {
          apply(array.get(i), childPath, problems);
        }
      }
    }
  }

  private String substitute(String text, String path, List<String> problems) {
    if (text.indexOf('$') < 0) {
      return text;
    }
    Matcher m = REFERENCE.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String replacement;
      if (m.group().equals("$${")) {
        replacement = "${";
      } else {
        String value = env.apply(m.group(1));
        if (value == null) {
          value = m.group(2);
        }
        if (value == null) {
          problems.add(path + ": environment variable " + m.group(1) + " is not set");
          value = "";
        }
        replacement = value;
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }
}
