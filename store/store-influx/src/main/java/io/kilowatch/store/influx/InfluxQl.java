package io.kilowatch.store.influx;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/** InfluxQL text: quoting of caller strings and the time bounds InfluxDB can hold. */
final class InfluxQl {
  /** InfluxDB stores nanoseconds in a signed 64-bit integer: roughly 1677-09-22 to 2262-04-11. */
  static final long MIN_MILLIS = -9_223_372_036_854L + 1;

  static final long MAX_MILLIS = 9_223_372_036_854L - 1;

  private InfluxQl() {}

  /** A double-quoted identifier (measurement, tag key, field key, retention policy). */
  static String ident(String name) {
    return '"' + name.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  /** A single-quoted string literal (tag values). */
  static String literal(String value) {
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }

  /** {@code AND "k" = 'v'} for every tag, in a stable order. */
  static String tagFilter(Map<String, String> tags) {
    var sb = new StringBuilder();
    for (var e : new TreeMap<>(tags).entrySet()) {
      sb.append(" AND ").append(ident(e.getKey())).append(" = ").append(literal(e.getValue()));
    }
    return sb.toString();
  }

  /** Milliseconds since the epoch, clamped to what InfluxDB can store. */
  static long millis(Instant t) {
    if (t.isBefore(Instant.ofEpochMilli(MIN_MILLIS))) {
      return MIN_MILLIS;
    }
    if (t.isAfter(Instant.ofEpochMilli(MAX_MILLIS))) {
      return MAX_MILLIS;
    }
    return t.toEpochMilli();
  }

  /** {@code time >= from AND time < to}, half-open like every Store range. */
  static String range(long fromMillis, long toMillis) {
    return "time >= " + fromMillis + "ms AND time < " + toMillis + "ms";
  }
}
