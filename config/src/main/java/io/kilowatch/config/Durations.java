package io.kilowatch.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as written in configuration and on the command line: a whole number followed by one
 * unit, {@code ms}, {@code s}, {@code m} (minutes), {@code h}, {@code d} (24 h) or {@code y} (365
 * days, so {@code 5y} is 1825 days; a retention wants a fixed length, not a calendar year).
 */
public final class Durations {
  private static final Pattern FORMAT = Pattern.compile("(-?\\d{1,12})(ms|s|m|h|d|y)");

  private Durations() {}

  /**
   * Parses {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}, {@code 7d} or {@code 5y}. Zero and
   * negative amounts parse, so callers can say "must be positive" rather than "unparsable".
   *
   * @throws IllegalArgumentException with a message naming the accepted forms
   */
  public static Duration parse(String text) {
    Matcher m = FORMAT.matcher(text == null ? "" : text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "expected a duration such as 500ms, 10s, 2m, 1h, 7d or 5y, got '" + text + "'");
    }
    long amount = Long.parseLong(m.group(1));
    try {
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        case "h" -> Duration.ofHours(amount);
        case "d" -> Duration.ofDays(amount);
        case "y" -> Duration.ofDays(amount * 365);
        default -> throw new AssertionError(m.group(2));
      };
    } catch (ArithmeticException e) {
      // 999999999999y is more seconds than a Duration holds.
      throw new IllegalArgumentException("duration too long: '" + text + "'");
    }
  }

  /** Writes a duration back in the largest unit that represents it exactly, e.g. {@code 90s}. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms == 0 || ms % 1000 != 0) {
      return ms + "ms";
    }
    long s = ms / 1000;
    if (s % 86400 == 0) {
      long days = s / 86400;
      return days % 365 == 0 ? days / 365 + "y" : days + "d";
    }
    if (s % 3600 == 0) {
      return s / 3600 + "h";
    }
    return s % 60 == 0 ? s / 60 + "m" : s + "s";
  }
}
