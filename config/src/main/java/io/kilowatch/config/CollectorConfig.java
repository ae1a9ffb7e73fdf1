package io.kilowatch.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How this instance collects.
 *
 * @param shard which share of the site's devices this instance polls
 * @param maxBackoff the longest wait between two attempts at a device that is down ({@code
 *     collector.maxBackoff}); a device polled less often than this is retried at its own interval
 * @param pollTick the grid polls start on ({@code collector.pollTick}): a device's first poll is
 *     spread at random over its interval, to the millisecond, and its slots after a poll it
 *     answered are moved onto a multiple of this (down when that is still after the poll) when its
 *     interval is a multiple of it (retries keep the backoff's jitter); zero leaves every slot
 *     where the spread put it
 */
public record CollectorConfig(Shard shard, Duration maxBackoff, Duration pollTick) {
  /** Five minutes: a device that comes back alone is seen within this; see {@code maxBackoff}. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofMinutes(5);

  /**
   * The longest cap accepted: beyond an hour, a device that is back would stay unseen longer than
   * anybody watching the dashboard would believe.
   */
  public static final Duration MAX_MAX_BACKOFF = Duration.ofHours(1);

  /**
   * One second: polls that start together share the thread wake-ups of the scheduler, the socket
   * poller and the store, which a poll that starts alone pays in full (at 1,536 PDUs every 10 s,
   * half of kilowatch's CPU per Modbus read; bench/README.md, "Polls on a one-second grid").
   */
  public static final Duration DEFAULT_POLL_TICK = Duration.ofSeconds(1);

  /** The coarsest grid accepted: a minute, the longest interval devices are commonly polled at. */
  public static final Duration MAX_POLL_TICK = Duration.ofMinutes(1);

  public static final CollectorConfig DEFAULT = new CollectorConfig(Shard.ALL);

  public CollectorConfig {
    Objects.requireNonNull(shard, "shard");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    Objects.requireNonNull(pollTick, "pollTick");
    if (!maxBackoff.isPositive() || maxBackoff.compareTo(MAX_MAX_BACKOFF) > 0) {
      throw new IllegalArgumentException(
          "maxBackoff must be positive and at most 1h, got " + Durations.format(maxBackoff));
    }
    if (pollTick.isNegative()
        || pollTick.compareTo(MAX_POLL_TICK) > 0
        || pollTick.toNanos() % 1_000_000 != 0) {
      throw new IllegalArgumentException(
          "pollTick must be whole milliseconds from 0 to 1m, got " + Durations.format(pollTick));
    }
  }

  /** With the default poll grid. */
  public CollectorConfig(Shard shard, Duration maxBackoff) {
    this(shard, maxBackoff, DEFAULT_POLL_TICK);
  }

  /** With the default backoff cap and poll grid. */
  public CollectorConfig(Shard shard) {
    this(shard, DEFAULT_MAX_BACKOFF);
  }

  /** The same settings for another shard (e.g. one given on the command line). */
  public CollectorConfig withShard(Shard other) {
    return new CollectorConfig(other, maxBackoff, pollTick);
  }
}
