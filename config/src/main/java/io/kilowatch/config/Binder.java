package io.kilowatch.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Turns YAML nodes into values, reporting what does not fit instead of throwing, so binding goes on
 * and every problem is found in one load. Every method returns {@code null} when the value is
 * unusable (the reason is already reported).
 */
final class Binder {
  private final Problems problems;
  private final EnvSubstitution env;

  Binder(Problems problems, EnvSubstitution env) {
    this.problems = problems;
    this.env = env;
  }

  void problem(At at, String message) {
    problems.add(at, message);
  }

  /** A mapping whose keys must all be in {@code allowed}; unknown keys are reported. */
  Fields fields(At at, Set<String> allowed) {
    if (!(at.node() instanceof MappingNode mapping)) {
      problem(at, "expected a mapping (key: value), got " + at.describe());
      return null;
    }
    Map<String, At> values = new LinkedHashMap<>();
    Map<String, Integer> keyLines = new LinkedHashMap<>();
    for (NodeTuple tuple : mapping.getValue()) {
      At keyAt = at.key(keyText(tuple), tuple.getKeyNode());
      if (!(tuple.getKeyNode() instanceof ScalarNode key)) {
        problem(keyAt, "a key must be plain text, got " + keyAt.describe());
        continue;
      }
      String name = key.getValue();
      if (!allowed.contains(name)) {
        problem(keyAt, unknownKeyMessage(name, allowed));
      } else if (keyLines.containsKey(name)) {
        problem(keyAt, "duplicate key '" + name + "' (first at line " + keyLines.get(name) + ")");
      } else {
        keyLines.put(name, keyAt.line());
        values.put(name, at.key(name, tuple.getValueNode()));
      }
    }
    return new Fields(this, at, values);
  }

  /**
   * The raw text of one key of a mapping, without reporting anything: used to pick which keys are
   * allowed (they depend on a {@code type} or {@code source}) before the mapping is read.
   */
  static String peek(At at, String key) {
    if (at.node() instanceof MappingNode mapping) {
      for (NodeTuple tuple : mapping.getValue()) {
        if (tuple.getKeyNode() instanceof ScalarNode k
            && k.getValue().equals(key)
            && tuple.getValueNode() instanceof ScalarNode v) {
          return v.getValue().strip();
        }
      }
    }
    return null;
  }

  /** Whether a mapping has the key, whatever its value. */
  static boolean hasKey(At at, String key) {
    return at.node() instanceof MappingNode mapping
        && mapping.getValue().stream()
            .anyMatch(t -> t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key));
  }

  /** The constant a peeked value names, or {@code null}. */
  static <E extends Enum<E>> E peekEnum(At at, String key, Class<E> type) {
    String raw = peek(at, key);
    for (E constant : type.getEnumConstants()) {
      if (yamlName(constant).equals(raw)) {
        return constant;
      }
    }
    return null;
  }

  private static String keyText(NodeTuple tuple) {
    return tuple.getKeyNode() instanceof ScalarNode s ? s.getValue() : "?";
  }

  static String unknownKeyMessage(String name, Set<String> allowed) {
    List<String> sorted = allowed.stream().sorted().toList();
    String closest = closest(name, sorted);
    return "unknown key '"
        + name
        + "'"
        + (closest == null ? "" : " (did you mean '" + closest + "'?)")
        + "; allowed here: "
        + String.join(", ", sorted);
  }

  /** The allowed word a typo most likely meant, or {@code null} when none is close. */
  static String closest(String word, List<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      if (c == null) {
        continue; // an entry whose own name is missing (reported there)
      }
      int d = distance(word.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    int allowed = word.length() <= 4 ? 1 : word.length() <= 8 ? 2 : 3;
    return bestDistance <= allowed ? best : null;
  }

  /** Edit distance where swapping two neighbouring letters counts as one typo. */
  private static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      for (int j = 0; j <= b.length(); j++) {
        if (i == 0 || j == 0) {
          d[i][j] = i + j;
          continue;
        }
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }

  /** The items of a list; nothing ({@code key:} with no value) reads as an empty list. */
  List<At> list(At at) {
    if (at.isNull()) {
      return List.of();
    }
    if (!(at.node() instanceof SequenceNode seq)) {
      problem(at, "expected a list, got " + at.describe());
      return List.of();
    }
    List<At> items = new ArrayList<>();
    for (int i = 0; i < seq.getValue().size(); i++) {
      items.add(at.index(i, seq.getValue().get(i)));
    }
    return items;
  }

  /** A scalar's text after {@code ${VAR}} substitution. */
  String text(At at) {
    if (!(at.node() instanceof ScalarNode scalar)) {
      problem(at, "expected a single value, got " + at.describe());
      return null;
    }
    EnvSubstitution.Result result = env.apply(scalar.getValue(), isSecret(at));
    result.errors().forEach(e -> problem(at, e));
    return result.errors().isEmpty() ? result.value() : null;
  }

  /**
   * Keys whose values are secrets wherever they appear (checked by {@link
   * #requireFromEnvironment}).
   */
  static final Set<String> SECRET_KEYS =
      Set.of("password", "secret", "token", "community", "authKey", "privKey");

  private static boolean isSecret(At at) {
    String path = at.path();
    return SECRET_KEYS.contains(path.substring(path.lastIndexOf('.') + 1));
  }

  /**
   * A reference to a variable in a secret: {@code ${NAME}} with no default (or an empty one), so
   * the value can only come from the environment. {@code $${} is a literal and does not count.
   */
  private static final java.util.regex.Pattern SECRET_REFERENCE =
      java.util.regex.Pattern.compile("(?<!\\$)\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-)?}");

  /**
   * Reports a secret written in the file: a literal, or a {@code ${NAME:-default}} whose default
   * would be committed with the file all the same.
   */
  void requireFromEnvironment(At at, String what) {
    if (at == null || !(at.node() instanceof ScalarNode s) || at.isNull()) {
      return;
    }
    String raw = s.getValue();
    if (raw.matches("(?s).*(?<!\\$)\\$\\{[A-Za-z_][A-Za-z0-9_]*:-[^}]+}.*")) {
      problem(
          at,
          "the "
              + what
              + " must come from the environment: a default after :- would be in the file");
    } else if (!SECRET_REFERENCE.matcher(raw).find()) {
      problem(
          at,
          "write the "
              + what
              + " as ${VARIABLE}, not in the file: secrets come from the environment");
    }
  }

  /**
   * How a scalar is quoted in a message: as written in the file, so a value that came from the
   * environment (perhaps a secret) is never echoed.
   */
  static String shown(At at) {
    String raw = at.node() instanceof ScalarNode s ? s.getValue() : at.describe();
    return raw.contains("${") ? "'" + raw + "' (after substitution)" : "'" + raw + "'";
  }

  Long integer(At at, long min, long max) {
    String text = text(at);
    if (text == null) {
      return null;
    }
    long value;
    try {
      String t = text.strip();
      value =
          t.startsWith("0x") || t.startsWith("0X")
              ? Long.parseLong(t.substring(2), 16)
              : Long.parseLong(t);
    } catch (NumberFormatException e) {
      problem(at, "expected a whole number, got " + shown(at));
      return null;
    }
    if (value < min || value > max) {
      problem(at, "must be between " + min + " and " + max + ", got " + value);
      return null;
    }
    return value;
  }

  Double number(At at) {
    String text = text(at);
    if (text == null) {
      return null;
    }
    try {
      double value = Double.parseDouble(text.strip());
      if (Double.isFinite(value)) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below, like a non-finite value
    }
    problem(at, "expected a number, got " + shown(at));
    return null;
  }

  /** A strictly positive duration such as {@code 10s}. */
  Duration duration(At at) {
    return duration(at, false);
  }

  /** A duration that may be zero (a setting that zero switches off), never negative. */
  Duration durationOrZero(At at) {
    return duration(at, true);
  }

  private Duration duration(At at, boolean zeroAllowed) {
    String text = text(at);
    if (text == null) {
      return null;
    }
    Duration d;
    try {
      d = zeroAllowed && text.strip().equals("0") ? Duration.ZERO : Durations.parse(text);
    } catch (IllegalArgumentException e) {
      problem(at, "expected a duration such as 500ms, 10s, 2m, 1h, 7d or 5y, got " + shown(at));
      return null;
    }
    if (d.isNegative() || (d.isZero() && !zeroAllowed)) {
      problem(
          at,
          (zeroAllowed ? "must be zero or more" : "must be positive") + ", got " + text.strip());
      return null;
    }
    return d;
  }

  /** An enum constant written in YAML style: lower case, dashes for underscores. */
  <E extends Enum<E>> E enumValue(At at, Class<E> type) {
    String text = text(at);
    if (text == null) {
      return null;
    }
    for (E constant : type.getEnumConstants()) {
      if (yamlName(constant).equals(text.strip())) {
        return constant;
      }
    }
    problem(at, "invalid value " + shown(at) + "; allowed: " + allowed(type));
    return null;
  }

  static String yamlName(Enum<?> constant) {
    return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  static <E extends Enum<E>> String allowed(Class<E> type) {
    return Arrays.stream(type.getEnumConstants())
        .map(Binder::yamlName)
        .collect(Collectors.joining(", "));
  }

  /** An absolute URI with one of the given schemes. */
  URI uri(At at, Set<String> schemes) {
    String text = text(at);
    if (text == null) {
      return null;
    }
    String expected =
        schemes.stream().sorted().map(s -> s + "://").collect(Collectors.joining(" or "));
    try {
      URI uri = new URI(text.strip());
      if (uri.getScheme() != null
          && schemes.contains(uri.getScheme().toLowerCase(Locale.ROOT))
          && uri.getHost() != null) {
        return uri;
      }
    } catch (URISyntaxException e) {
      // reported below with the expected form
    }
    problem(
        at, "expected a URL starting with " + expected + " and naming a host, got " + shown(at));
    return null;
  }

  /** A flat map of text to text, e.g. tags. */
  Map<String, String> stringMap(At at) {
    if (at.isNull()) {
      return Map.of();
    }
    if (!(at.node() instanceof MappingNode mapping)) {
      problem(at, "expected a mapping (key: value), got " + at.describe());
      return Map.of();
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (NodeTuple tuple : mapping.getValue()) {
      At keyAt = at.key(keyText(tuple), tuple.getKeyNode());
      String key = tuple.getKeyNode() instanceof ScalarNode s ? s.getValue() : null;
      if (key == null || key.isBlank()) {
        problem(keyAt, "a key must be non-empty plain text");
        continue;
      }
      At valueAt = at.key(key, tuple.getValueNode());
      if (out.containsKey(key)) {
        problem(keyAt, "duplicate key '" + key + "'");
        continue;
      }
      String value = valueAt.isNull() ? null : text(valueAt);
      if (valueAt.isNull()) {
        problem(valueAt, "must have a value");
      } else if (value != null) {
        out.put(key, value);
      }
    }
    return out;
  }
}
