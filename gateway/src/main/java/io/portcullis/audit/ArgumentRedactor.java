package io.portcullis.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.portcullis.Sha256;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes a request's arguments fit for the audit log. {@code record}: the arguments with every value
 * at a configured path replaced by {@code "[redacted]"}; {@code digest}: only a SHA-256 of the
 * arguments; {@code omit}: nothing. Paths start at the arguments object: {@code $.password},
 * {@code $.auth.token}, {@code $.items[*].secret}, and {@code $..secret} for a key at any depth.
 */
public final class ArgumentRedactor {
  public static final String REDACTED = "[redacted]";
  public static final String RECORD = "record";
  public static final String DIGEST = "digest";
  public static final String OMIT = "omit";

  private final String mode;
  private final List<List<String>> paths;

  public ArgumentRedactor(String mode, List<String> paths) {
    this.mode = mode;
    this.paths = paths.stream().map(ArgumentRedactor::parse).toList();
  }

  /** The segments of a path ("**" for any depth, "*" for any key or element), or throws if it is not one. */
  public static List<String> parse(String path) {
    if (path == null || !path.startsWith("$") || path.length() < 3) {
      throw new IllegalArgumentException("a path starts with $ and names a key, e.g. $.password or $..token");
    }
    List<String> segments = new ArrayList<>();
    int i = 1;
    while (i < path.length()) {
      if (path.startsWith("..", i)) {
        segments.add("**");
        i += 2;
      } else if (path.charAt(i) == '.') {
        i++;
      } else if (path.startsWith("[*]", i)) {
        segments.add("*");
        i += 3;
        continue;
      } else {
        throw new IllegalArgumentException("unexpected '" + path.charAt(i) + "' at " + i);
      }
      int end = i;
      while (end < path.length() && path.charAt(end) != '.' && path.charAt(end) != '[') {
        end++;
      }
      if (end == i) {
        throw new IllegalArgumentException("an empty key at " + i);
      }
      segments.add(path.substring(i, end));
      i = end;
    }
    if (segments.get(segments.size() - 1).equals("**")) {
      throw new IllegalArgumentException("a path cannot end with ..");
    }
    return segments;
  }

  /** The arguments as the audit record shows them (null stays null). */
  public JsonNode apply(JsonNode arguments) {
    if (arguments == null || arguments.isNull()) {
      return arguments;
    }
    return switch (mode) {
      case OMIT -> null;
      case DIGEST -> new TextNode("sha256:" + Sha256.hex(arguments.toString()));
      default -> redacted(arguments);
    };
  }

  private JsonNode redacted(JsonNode arguments) {
    if (paths.isEmpty()) {
      return arguments;
    }
    JsonNode copy = arguments.deepCopy();
    for (List<String> path : paths) {
      redact(copy, path, 0);
    }
    return copy;
  }

  private static void redact(JsonNode node, List<String> path, int at) {
    String segment = path.get(at);
    boolean last = at == path.size() - 1;
    if (segment.equals("**")) {
      redact(node, path, at + 1);
      children(node).forEach(child -> redact(child, path, at));
      return;
    }
    if (node instanceof ObjectNode object) {
      List<String> keys = new ArrayList<>();
      object.fieldNames().forEachRemaining(keys::add);
      for (String key : keys) {
        if (segment.equals("*") || segment.equals(key)) {
          if (last) {
            object.put(key, REDACTED);
          } else {
            redact(object.get(key), path, at + 1);
          }
        }
      }
    } else if (node instanceof ArrayNode array && segment.equals("*")) {
      for (int i = 0; i < array.size(); i++) {
        if (last) {
          array.set(i, new TextNode(REDACTED));
        } else {
          redact(array.get(i), path, at + 1);
        }
      }
    }
  }

  private static List<JsonNode> children(JsonNode node) {
    List<JsonNode> children = new ArrayList<>();
    node.elements().forEachRemaining(children::add);
    return children;
  }
}
