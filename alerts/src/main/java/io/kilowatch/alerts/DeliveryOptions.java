package io.kilowatch.alerts;

import java.time.Duration;

/**
 * How hard delivery tries.
 *
 * @param initialBackoff wait after the first failure; doubled after each further one
 * @param maxBackoff the longest wait between two attempts
 * @param maxAge a message still undelivered after this long is given up (logged, kept in {@code
 *     failed/})
 */
public record DeliveryOptions(Duration initialBackoff, Duration maxBackoff, Duration maxAge) {
  public static final DeliveryOptions DEFAULT =
      new DeliveryOptions(Duration.ofSeconds(2), Duration.ofMinutes(5), Duration.ofDays(1));

  /** The wait before attempt {@code failures + 1}: exponential, capped, with jitter in [½, 1]. */
  Duration backoff(int failures, double random) {
    double base = initialBackoff.toMillis() * Math.pow(2, Math.min(30, Math.max(0, failures - 1)));
    double capped = Math.min(base, maxBackoff.toMillis());
    // Jitter spreads the retries of many kilowatch instances after a receiver outage.
    return Duration.ofMillis(Math.max(1, (long) (capped * (0.5 + 0.5 * random))));
  }
}
