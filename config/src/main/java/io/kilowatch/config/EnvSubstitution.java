package io.kilowatch.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces {@code ${NAME}} and {@code ${NAME:-default}} in a scalar with values from an
 * environment map, so secrets stay out of the file. As in a POSIX shell, the default also applies
 * when the variable is set but empty. {@code $${} writes a literal {@code ${}.
 */
final class EnvSubstitution {
  private static final Pattern REFERENCE =
      Pattern.compile("\\$\\$\\{|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}|\\$\\{");

  /** The substituted text, or the reasons it could not be built (never containing values). */
  record Result(String value, boolean substituted, List<String> errors) {}

  private final Map<String, String> env;

  EnvSubstitution(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  Result apply(String raw) {
    return apply(raw, false);
  }

  /**
   * As {@link #apply(String)}; for a {@code secret} the hint for an unset variable does not offer a
   * default, since a default would put the secret in the file (which validation refuses).
   */
  Result apply(String raw, boolean secret) {
    if (raw.indexOf('$') < 0) {
      return new Result(raw, false, List.of());
    }
    Matcher m = REFERENCE.matcher(raw);
    StringBuilder out = new StringBuilder();
    List<String> errors = new ArrayList<>();
    boolean substituted = false;
    while (m.find()) {
      String replacement;
      if (m.group().equals("$${")) {
        replacement = "${";
      } else if (m.group(1) == null) {
        errors.add("'${' without a variable name and closing '}' (write $${ for a literal ${)");
        replacement = "";
      } else {
        substituted = true;
        String name = m.group(1);
        String value = env.get(name);
        if (value == null || value.isEmpty() && m.group(2) != null) {
          value = m.group(2);
        }
        if (value == null) {
          errors.add(
              secret
                  ? "environment variable "
                      + name
                      + " is not set (export it where kilowatch runs: a secret takes no default"
                      + " in the file)"
                  : "environment variable "
                      + name
                      + " is not set (write ${"
                      + name
                      + ":-default} to give a default)");
          value = "";
        }
        replacement = value;
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return new Result(out.toString(), substituted, errors);
  }
}
