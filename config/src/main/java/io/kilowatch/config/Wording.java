package io.kilowatch.config;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * Numbers in messages people read (a device's last error, an alert's summary, a log line): {@code 2
 * s} rather than ISO-8601's {@code PT2S}, and {@code 1 failure} rather than {@code 1 failures}.
 * Configuration is written back with {@link Durations#format}; this is for prose.
 */
public final class Wording {
  private static final long[] SECONDS = {86_400, 3600, 60, 1};
  private static final String[] UNITS = {"d", "h", "min", "s"};

  private Wording() {}

  /**
   * {@code 600 ms}, {@code 2 s}, {@code 1.5 s}, {@code 1 min 30 s}, {@code 2 h}, {@code 1 d 2 h}:
   * milliseconds under a second, seconds with their fraction under a minute, then whole units from
   * days down to seconds (a fraction of a second no longer matters there), zero parts left out.
   */
  public static String duration(Duration d) {
    if (d.isNegative()) {
      return "-" + duration(d.negated());
    }
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + " ms";
    }
    if (ms < 60_000) {
      return BigDecimal.valueOf(ms, 3).stripTrailingZeros().toPlainString() + " s";
    }
    long rest = Math.round(ms / 1000.0);
    var out = new StringBuilder();
    for (int i = 0; i < SECONDS.length; i++) {
      long n = rest / SECONDS[i];
      rest %= SECONDS[i];
      if (n > 0) {
        out.append(out.isEmpty() ? "" : " ").append(n).append(' ').append(UNITS[i]);
      }
    }
    return out.toString();
  }

  /** {@code 1 failure}, {@code 0 failures}, {@code 2 failures}: nouns that take an s. */
  public static String count(long n, String noun) {
    return n + " " + (n == 1 ? noun : noun + "s");
  }
}
