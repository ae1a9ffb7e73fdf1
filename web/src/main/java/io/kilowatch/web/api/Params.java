package io.kilowatch.web.api;

import io.javalin.http.Context;
import io.kilowatch.config.Durations;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Parses query parameters, turning every malformed value into a {@link BadRequest}. */
final class Params {
  private static final Instant EARLIEST = Instant.parse("0000-01-01T00:00:00Z");
  private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999Z");
  private static final Duration LONGEST = Duration.ofDays(365L * 10_000);

  private final Context ctx;
  private final Instant now;

  Params(Context ctx, Instant now) {
    this.ctx = ctx;
    this.now = now;
  }

  String required(String name) {
    String v = ctx.queryParam(name);
    if (v == null || v.isBlank()) {
      throw new BadRequest(name, "missing required parameter '" + name + "'");
    }
    return v;
  }

  String optional(String name) {
    String v = ctx.queryParam(name);
    return v == null || v.isBlank() ? null : v;
  }

  /**
   * A point in time: ISO-8601 ({@code 2026-11-21T10:00:00Z}), epoch milliseconds, {@code now}, or
   * relative to now ({@code -15m}, {@code now-1h}).
   */
  Instant time(String name, Instant dflt) {
    String v = optional(name);
    if (v == null) {
      return dflt;
    }
    Instant t;
    try {
      if (v.equals("now")) {
        return now;
      }
      String rel = v.startsWith("now-") ? v.substring(3) : v;
      if (rel.startsWith("-")) {
        t = now.minus(Durations.parse(rel.substring(1)));
      } else if (v.chars().allMatch(Character::isDigit)) {
        t = Instant.ofEpochMilli(Long.parseLong(v));
      } else {
        t = Instant.parse(v);
      }
    } catch (DateTimeException | ArithmeticException | IllegalArgumentException e) {
      throw new BadRequest(
          name, "'" + v + "' is not a time: use ISO-8601, epoch milliseconds, 'now' or '-15m'");
    }
    // Beyond four-digit years, range arithmetic (to - 1h, to - from in ms) overflows.
    if (t.isBefore(EARLIEST) || t.isAfter(LATEST)) {
      throw new BadRequest(name, "'" + v + "' is outside the years 0000 to 9999");
    }
    return t;
  }

  Duration duration(String name, Duration dflt) {
    String v = optional(name);
    if (v == null) {
      return dflt;
    }
    try {
      Duration d = Durations.parse(v);
      if (d.isZero() || d.isNegative()) {
        throw new BadRequest(name, name + " must be positive, got '" + v + "'");
      }
      if (d.compareTo(LONGEST) > 0) {
        throw new BadRequest(name, name + " must be at most 10000y, got '" + v + "'");
      }
      return d;
    } catch (IllegalArgumentException e) {
      throw new BadRequest(name, "'" + v + "' is not a duration: use e.g. 10s, 5m, 1h");
    }
  }

  /** Tags as {@code tags=cluster:c1,device:c1-r1-pdu-a}. */
  Map<String, String> tags(String name) {
    var out = new LinkedHashMap<String, String>();
    String v = optional(name);
    if (v == null) {
      return out;
    }
    for (String pair : v.split(",")) {
      int i = pair.indexOf(':');
      if (i <= 0 || i == pair.length() - 1) {
        throw new BadRequest(name, "tag '" + pair + "' must be key:value");
      }
      out.put(pair.substring(0, i), pair.substring(i + 1));
    }
    return out;
  }

  <E extends Enum<E>> E enumValue(String name, Class<E> type, E dflt) {
    String v = optional(name);
    if (v == null) {
      return dflt;
    }
    for (E e : type.getEnumConstants()) {
      if (e.name().equalsIgnoreCase(v.replace('-', '_'))) {
        return e;
      }
    }
    throw new BadRequest(
        name,
        "'"
            + v
            + "' is not one of "
            + java.util.Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'))
                .toList());
  }
}
