package io.portcullis.policy;

import java.util.Collection;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a policy's Rego can notice, read from its source, so that the embedded engine may skip
 * work the policy could never tell apart: the input's {@code arguments} when no rule reads them
 * (a tool's arguments can be megabytes of file contents), and a second evaluation of an input it
 * has already decided when no rule calls a non-deterministic built-in (the answer cannot differ).
 *
 * <p>The scan is conservative: every use of {@code input} it does not recognise as a read of one
 * named top-level field ({@code input.x}, {@code input["x"]}, {@code import input.x}) counts as
 * reading everything, and a built-in OPA marks non-deterministic anywhere in the code (its name
 * as a word, outside comments and strings) makes the whole policy non-deterministic.
 *
 * @param arguments     whether some rule may read {@code input.arguments}
 * @param deterministic whether the same input and data always give the same decision
 */
record PolicyReads(boolean arguments, boolean deterministic) {
  /** What is assumed when nothing is known: everything read, nothing repeatable. */
  static final PolicyReads EVERYTHING = new PolicyReads(true, false);

  /** OPA's non-deterministic built-ins ({@code opa capabilities}, those marked {@code nondeterministic}). */
  static final Set<String> NONDETERMINISTIC = Set.of("http.send", "io.jwt.decode_verify", "io.jwt.encode_sign",
      "io.jwt.encode_sign_raw", "json.match_schema", "json.verify_schema", "net.lookup_ip_addr", "opa.runtime",
      "rand.intn", "time.now_ns", "uuid.rfc4122");

  private static final Pattern INPUT = Pattern.compile("(?<![\\w.])input(?!\\w)");
  private static final Pattern FIELD = Pattern.compile("\\G\\s*\\.\\s*([A-Za-z_]\\w*)");
  private static final Pattern INDEX = Pattern.compile("\\G\\s*\\[\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*\\]");
  private static final Pattern WITH_AS = Pattern.compile("\\G\\s+as\\b");
  private static final Pattern WITH_BEFORE = Pattern.compile("\\bwith\\s*$");
  private static final Pattern NONDETERMINISTIC_CALL = Pattern.compile("(?<![\\w.])(?:"
      + String.join("|", NONDETERMINISTIC.stream().map(Pattern::quote).toList()) + ")(?!\\w)");

  /** The reads of a policy made of these Rego sources (test files may be among them: they only add reads). */
  static PolicyReads scan(Collection<String> regoSources) {
    boolean arguments = false;
    boolean deterministic = true;
    for (String source : regoSources) {
      Code code = Code.of(source);
      arguments |= readsArguments(code);
      deterministic &= !callsNondeterministic(code.bare());
    }
    return new PolicyReads(arguments, deterministic);
  }

  private static boolean readsArguments(Code code) {
    Matcher m = INPUT.matcher(code.bare());
    while (m.find()) {
      int after = m.end();
      String before = code.bare().substring(Math.max(0, m.start() - 16), m.start());
      if (WITH_BEFORE.matcher(before).find() && WITH_AS.matcher(code.bare()).region(after, code.bare().length()).lookingAt()) {
        continue; // `with input as x` replaces the input, it does not read it
      }
      Matcher field = FIELD.matcher(code.bare()).region(after, code.bare().length());
      if (field.lookingAt()) {
        if (field.group(1).equals("arguments")) {
          return true;
        }
        continue;
      }
      Matcher index = INDEX.matcher(code.text()).region(after, code.text().length());
      if (index.lookingAt()) {
        if (index.group(1).equals("arguments")) {
          return true;
        }
        continue;
      }
      return true; // input passed whole, iterated, or indexed by a variable: it may reach the arguments
    }
    return false;
  }

  private static boolean callsNondeterministic(String bare) {
    return NONDETERMINISTIC_CALL.matcher(bare).find();
  }

  /**
   * A Rego source two ways, same length and positions: {@code text} without comments, and
   * {@code bare} without comments nor the contents of string literals (so a word inside a string
   * is not taken for code).
   */
  private record Code(String text, String bare) {
    static Code of(String source) {
      StringBuilder text = new StringBuilder(source.length());
      StringBuilder bare = new StringBuilder(source.length());
      int i = 0;
      while (i < source.length()) {
        char c = source.charAt(i);
        if (c == '#') {
          while (i < source.length() && source.charAt(i) != '\n') {
            text.append(' ');
            bare.append(' ');
            i++;
          }
        } else if (c == '"' || c == '`') {
          int end = stringEnd(source, i, c);
          text.append(source, i, end);
          bare.append(c);
          for (int k = i + 1; k < end - 1; k++) {
            bare.append(source.charAt(k) == '\n' ? '\n' : ' ');
          }
          if (end - 1 > i) {
            bare.append(source.charAt(end - 1));
          }
          i = end;
        } else {
          text.append(c);
          bare.append(c);
          i++;
        }
      }
      return new Code(text.toString(), bare.toString());
    }

    /** The index just past the literal opening at {@code start} (or the end of the source if it never closes). */
    private static int stringEnd(String source, int start, char quote) {
      int i = start + 1;
      while (i < source.length()) {
        char c = source.charAt(i);
        if (quote == '"' && c == '\\') {
          i += 2;
          continue;
        }
        if (c == quote) {
          return i + 1;
        }
        i++;
      }
      return source.length();
    }
  }
}
