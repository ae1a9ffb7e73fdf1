package io.kilowatch.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The keys of one YAML mapping, read by name with path tracking. A key given as nothing ({@code
 * key:} or {@code key: ~}) counts as absent.
 */
final class Fields {
  /** Ids end up in tags, URLs and file names, so they keep to a safe alphabet. */
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]*");

  private final Binder binder;
  private final At at;
  private final Map<String, At> values;

  Fields(Binder binder, At at, Map<String, At> values) {
    this.binder = binder;
    this.at = at;
    this.values = values;
  }

  At at() {
    return at;
  }

  /** The value's node, or {@code null} when the key is absent or empty. */
  At get(String key) {
    At value = values.get(key);
    return value == null || value.isNull() ? null : value;
  }

  boolean has(String key) {
    return get(key) != null;
  }

  /** Where a missing key would have been: the mapping's own line. */
  At missing(String key) {
    At value = values.get(key);
    return value != null ? value : at.key(key, at.node());
  }

  /** The value's node; reports a missing key. */
  At require(String key, String hint) {
    At value = get(key);
    if (value == null) {
      binder.problem(missing(key), "is required" + (hint.isEmpty() ? "" : " (" + hint + ")"));
    }
    return value;
  }

  private <T> T optional(String key, T fallback, Function<At, T> read) {
    At value = get(key);
    return value == null ? fallback : read.apply(value);
  }

  private <T> T required(String key, String hint, Function<At, T> read) {
    At value = require(key, hint);
    return value == null ? null : read.apply(value);
  }

  String requireString(String key) {
    return required(key, "", this::nonBlank);
  }

  String optionalString(String key, String fallback) {
    return optional(key, fallback, this::nonBlank);
  }

  private String nonBlank(At value) {
    String text = binder.text(value);
    if (text != null && text.isBlank()) {
      binder.problem(value, "must not be blank");
      return null;
    }
    return text;
  }

  /** An id that must be present and fit the id alphabet. */
  String requireId(String key) {
    return required(
        key,
        "",
        value -> {
          String text = binder.text(value);
          if (text != null && !ID.matcher(text).matches()) {
            binder.problem(
                value,
                "must start with a letter or digit and contain only letters, digits, '.', '_',"
                    + " ':' or '-', got "
                    + Binder.shown(value));
            return null;
          }
          return text;
        });
  }

  Integer optionalInt(String key, int fallback, int min, int max) {
    return optional(key, fallback, v -> toInt(binder.integer(v, min, max)));
  }

  Integer requireInt(String key, int min, int max) {
    return required(key, "", v -> toInt(binder.integer(v, min, max)));
  }

  private static Integer toInt(Long value) {
    return value == null ? null : Math.toIntExact(value);
  }

  Double optionalNumber(String key, double fallback) {
    return optional(key, fallback, binder::number);
  }

  <E extends Enum<E>> E requireEnum(String key, Class<E> type) {
    return required(key, "one of " + Binder.allowed(type), v -> binder.enumValue(v, type));
  }

  <E extends Enum<E>> E optionalEnum(String key, Class<E> type, E fallback) {
    return optional(key, fallback, v -> binder.enumValue(v, type));
  }

  Duration optionalDuration(String key, Duration fallback) {
    return optional(key, fallback, binder::duration);
  }

  Duration optionalDurationOrZero(String key, Duration fallback) {
    return optional(key, fallback, binder::durationOrZero);
  }

  URI requireUri(String key, Set<String> schemes) {
    return required(key, "", v -> binder.uri(v, schemes));
  }

  List<At> list(String key) {
    At value = get(key);
    return value == null ? List.of() : binder.list(value);
  }

  /** A nested mapping, or {@code null} when absent or not a mapping (reported). */
  Fields map(String key, Set<String> allowed) {
    At value = get(key);
    return value == null ? null : binder.fields(value, allowed);
  }

  Map<String, String> stringMap(String key) {
    At value = get(key);
    return value == null ? Map.of() : binder.stringMap(value);
  }
}
