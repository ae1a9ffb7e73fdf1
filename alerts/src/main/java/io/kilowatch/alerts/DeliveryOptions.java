package io.kilowatch.alerts;

import java.time.Duration;

/**
 * How hard delivery tries.
 *
 * @param initialBackoff wait after the first failure; doubled after each further one
 * @param maxBackoff the longest wait between two attempts
 * @param maxAge a message still undelivered after this long is given up (logged, kept in {@code
 *     failed/})
 * @param breakerFailures failed attempts in a row to one receiver that open its circuit breaker
 * @param breakerCoolDown how long an open breaker sends nothing to its receiver before one probe
 */
public record DeliveryOptions(
    Duration initialBackoff,
    Duration maxBackoff,
    Duration maxAge,
    int breakerFailures,
    Duration breakerCoolDown) {
  /** Failures in a row that open a receiver's breaker by default. */
  public static final int DEFAULT_BREAKER_FAILURES = 5;

  /** How long an open breaker waits by default before its probe. */
  public static final Duration DEFAULT_BREAKER_COOL_DOWN = Duration.ofMinutes(1);

  public static final DeliveryOptions DEFAULT =
      new DeliveryOptions(Duration.ofSeconds(2), Duration.ofMinutes(5), Duration.ofDays(1));

  public DeliveryOptions {
    if (breakerFailures < 1) {
      throw new IllegalArgumentException(
          "breakerFailures must be at least 1, got " + breakerFailures);
    }
    if (!breakerCoolDown.isPositive()) {
      throw new IllegalArgumentException(
          "breakerCoolDown must be positive, got " + breakerCoolDown);
    }
  }

  /** With the default circuit breaker. */
  public DeliveryOptions(Duration initialBackoff, Duration maxBackoff, Duration maxAge) {
    this(initialBackoff, maxBackoff, maxAge, DEFAULT_BREAKER_FAILURES, DEFAULT_BREAKER_COOL_DOWN);
  }

  /** The wait before attempt {@code failures + 1}: exponential, capped, with jitter in [½, 1]. */
  Duration backoff(int failures, double random) {
    double base = initialBackoff.toMillis() * Math.pow(2, Math.min(30, Math.max(0, failures - 1)));
    double capped = Math.min(base, maxBackoff.toMillis());
    // Jitter spreads the retries of many kilowatch instances after a receiver outage.
    return Duration.ofMillis(Math.max(1, (long) (capped * (0.5 + 0.5 * random))));
  }
}
