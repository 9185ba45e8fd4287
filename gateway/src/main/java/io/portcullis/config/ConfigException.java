package io.portcullis.config;

import java.util.List;

/** A configuration that cannot be used, with every problem found, each prefixed by its path. */
public final class ConfigException extends Exception {
  private final List<String> problems;

  public ConfigException(String source, List<String> problems) {
    super(format(source, problems), null, false, false);
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }

  private static String format(String source, List<String> problems) {
    StringBuilder out = new StringBuilder("invalid configuration ").append(source).append(" (")
        .append(problems.size()).append(problems.size() == 1 ? " problem)" : " problems)");
    problems.forEach(p -> out.append("\n  - ").append(p));
    return out.toString();
  }
}
