package io.kilowatch.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How this instance collects.
 *
 * @param shard which share of the site's devices this instance polls
 * @param maxBackoff the longest wait between two attempts at a device that is down ({@code
 *     collector.maxBackoff}); a device polled less often than this is retried at its own interval
 */
public record CollectorConfig(Shard shard, Duration maxBackoff) {
  /** Five minutes: a device that comes back alone is seen within this; see {@code maxBackoff}. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofMinutes(5);

  /**
   * The longest cap accepted: beyond an hour, a device that is back would stay unseen longer than
   * anybody watching the dashboard would believe.
   */
  public static final Duration MAX_MAX_BACKOFF = Duration.ofHours(1);

  public static final CollectorConfig DEFAULT = new CollectorConfig(Shard.ALL);

  public CollectorConfig {
    Objects.requireNonNull(shard, "shard");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    if (!maxBackoff.isPositive() || maxBackoff.compareTo(MAX_MAX_BACKOFF) > 0) {
      throw new IllegalArgumentException(
          "maxBackoff must be positive and at most 1h, got " + Durations.format(maxBackoff));
    }
  }

  /** With the default backoff cap. */
  public CollectorConfig(Shard shard) {
    this(shard, DEFAULT_MAX_BACKOFF);
  }

  /** The same settings for another shard (e.g. one given on the command line). */
  public CollectorConfig withShard(Shard other) {
    return new CollectorConfig(other, maxBackoff);
  }
}
