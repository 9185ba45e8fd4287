package io.portcullis.policy;

import java.util.regex.Pattern;

/**
 * A glob as the Rego rules match names with ({@code glob.match(pattern, null, value)}, no
 * delimiters), so that the gateway's own globs ({@code policy.toolAccess}) mean what the
 * policy's do: {@code *} any run of characters (dots, slashes and newlines included),
 * {@code ?} one character, {@code [abc]} / {@code [a-z]} a class ({@code [!...]} its
 * complement), {@code {a,b}} alternatives (globs themselves), {@code \} escapes the next
 * character. Matched against the whole raw string, case-sensitively. Like data.json's rules, a
 * pattern with an unescaped '}' or ']' that nothing opened is refused: likely a typo.
 */
public final class Glob {
  private final Pattern regex;

  private Glob(Pattern regex) {
    this.regex = regex;
  }

  /** The glob {@code pattern}; an {@link IllegalArgumentException} says why it is not one. */
  public static Glob of(String pattern) {
    Translation t = new Translation(pattern);
    String regex = t.sequence(0);
    if (t.at < pattern.length()) {
      throw t.invalid("unexpected '" + pattern.charAt(t.at) + "'");
    }
    return new Glob(Pattern.compile(regex, Pattern.DOTALL));
  }

  public boolean matches(String value) {
    return value != null && regex.matcher(value).matches();
  }

  /** Rewrites a glob into a regular expression, one code point at a time. */
  private static final class Translation {
    private final String pattern;
    private int at;

    Translation(String pattern) {
      this.pattern = pattern;
    }

    /** Everything up to the end, or (inside {@code depth} braces) up to a ',' or '}'. */
    String sequence(int depth) {
      StringBuilder regex = new StringBuilder();
      while (at < pattern.length()) {
        int c = pattern.codePointAt(at);
        if (depth > 0 && (c == ',' || c == '}')) {
          return regex.toString();
        }
        at += Character.charCount(c);
        switch (c) {
          case '*' -> regex.append(".*");
          case '?' -> regex.append('.');
          case '[' -> regex.append(charClass());
          case '{' -> regex.append(alternatives(depth + 1));
          case '}', ']' -> throw invalid("'" + Character.toString(c) + "' is not opened (escape it: \\" + Character.toString(c) + ")");
          case '\\' -> regex.append(literal(escaped()));
          default -> regex.append(literal(c));
        }
      }
      if (depth > 0) {
        throw invalid("'{' is not closed");
      }
      return regex.toString();
    }

    private String alternatives(int depth) {
      StringBuilder regex = new StringBuilder("(?:");
      while (true) {
        regex.append(sequence(depth));
        int c = pattern.charAt(at++);
        if (c == '}') {
          return regex.append(')').toString();
        }
        regex.append('|');
      }
    }

    /** After '[': either one range {@code lo-hi} or a list of characters, then ']'. */
    private String charClass() {
      StringBuilder regex = new StringBuilder("[");
      if (at < pattern.length() && pattern.charAt(at) == '!') {
        regex.append('^');
        at++;
      }
      int first = next("'[' is not closed");
      if (at < pattern.length() && pattern.charAt(at) == '-') {
        at++;
        int hi = next("'[' is not closed");
        if (hi < first) {
          throw invalid("range " + Character.toString(first) + "-" + Character.toString(hi) + " is reversed");
        }
        regex.append(classMember(first)).append('-').append(classMember(hi));
      } else {
        for (int c = first; c != ']'; c = next("'[' is not closed")) {
          regex.append(classMember(c == '\\' ? escaped() : c));
        }
        if (first == ']') {
          throw invalid("'[]' is an empty class");
        }
        return regex.append(']').toString();
      }
      if (next("'[' is not closed") != ']') {
        throw invalid("a range class holds one range, such as [a-z]");
      }
      return regex.append(']').toString();
    }

    private int next(String problem) {
      if (at >= pattern.length()) {
        throw invalid(problem);
      }
      int c = pattern.codePointAt(at);
      at += Character.charCount(c);
      return c;
    }

    private int escaped() {
      return next("it ends with an escape '\\'");
    }

    private static String literal(int c) {
      return Pattern.quote(Character.toString(c));
    }

    private static String classMember(int c) {
      return Character.isLetterOrDigit(c) ? Character.toString(c) : "\\" + Character.toString(c);
    }

    IllegalArgumentException invalid(String problem) {
      return new IllegalArgumentException("invalid glob \"" + pattern + "\": " + problem);
    }
  }
}
