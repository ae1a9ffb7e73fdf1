package io.kilowatch.config;

/**
 * How this instance collects.
 *
 * @param shard which share of the site's devices this instance polls
 */
public record CollectorConfig(Shard shard) {
  public static final CollectorConfig DEFAULT = new CollectorConfig(Shard.ALL);

  public CollectorConfig {
    java.util.Objects.requireNonNull(shard, "shard");
  }
}
