package io.kilowatch.collector.lineprotocol;

import java.time.Instant;
import java.util.Locale;

/** The unit of line-protocol timestamps ({@code precision} parameter of {@code /write}). */
public enum Precision {
  NS(1),
  US(1_000),
  MS(1_000_000),
  S(1_000_000_000);

  private final long nanos;

  Precision(long nanos) {
    this.nanos = nanos;
  }

  /**
   * The parameter as InfluxDB takes it: {@code ns}, {@code us} (or {@code u}), {@code ms}, {@code
   * s}; null or empty is nanoseconds.
   *
   * @throws IllegalArgumentException for anything else
   */
  public static Precision of(String text) {
    if (text == null || text.isEmpty()) {
      return NS;
    }
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "ns", "n" -> NS;
      case "us", "u", "µs" -> US;
      case "ms" -> MS;
      case "s" -> S;
      default ->
          throw new IllegalArgumentException(
              "precision must be ns, us, ms or s, got '" + text + "'");
    };
  }

  /** The instant of a timestamp in this unit; throws ArithmeticException when out of range. */
  public Instant toInstant(long value) {
    long seconds = Math.floorDiv(value, 1_000_000_000L / nanos);
    long rest = Math.floorMod(value, 1_000_000_000L / nanos);
    return Instant.ofEpochSecond(seconds, Math.multiplyExact(rest, nanos));
  }

  /** A timestamp in this unit, truncated. */
  public long fromInstant(Instant t) {
    long perSecond = 1_000_000_000L / nanos;
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), perSecond), t.getNano() / nanos);
  }
}
