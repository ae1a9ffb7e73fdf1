package io.kilowatch.collector;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Delay before the next attempt at a device that is down: {@code interval × 2^failures}, capped,
 * minus up to 10% jitter so that many devices behind one dead switch do not all retry in the same
 * millisecond when it comes back.
 */
final class Backoff {
  static final double JITTER = 0.1;

  private Backoff() {}

  /**
   * @param failures consecutive failures so far (1 after the first)
   * @param cap the longest delay; never shorter than {@code interval}, so a device polled less
   *     often than the cap is not polled more often when it is down
   */
  static Duration delay(Duration interval, int failures, Duration cap, RandomGenerator random) {
    long intervalMs = Math.max(1, interval.toMillis());
    long capMs = Math.max(cap.toMillis(), intervalMs);
    int shift = Math.min(Math.max(failures, 0), 30);
    long base = intervalMs > (capMs >> shift) ? capMs : Math.min(capMs, intervalMs << shift);
    long jitter = (long) (base * JITTER * random.nextDouble());
    return Duration.ofMillis(base - jitter);
  }
}
