package io.kilowatch.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where samples are kept.
 *
 * @param dataDir directory for the embedded database file and disk buffers
 * @param rawRetention how long full-resolution samples are kept
 * @param minuteRetention how long the 1-minute rollup is kept
 * @param hourRetention how long the 1-hour rollup is kept
 * @param influxdb the server to write to when {@code kind} is {@code INFLUXDB}, else {@code null}
 * @param buffer the disk buffer that holds writes while the store cannot take them
 * @param memoryLimitBytes the most native memory the embedded engine may use for caches and queries
 *     (it spills to disk beyond); without a limit DuckDB takes up to 80 % of the machine
 */
public record StoreConfig(
    StoreKind kind,
    Path dataDir,
    Duration rawRetention,
    Duration minuteRetention,
    Duration hourRetention,
    InfluxConfig influxdb,
    BufferConfig buffer,
    long memoryLimitBytes) {
  /** 1 GiB: a 25,000-GPU site's recent data and dashboard queries fit well within it. */
  public static final long DEFAULT_MEMORY_LIMIT_BYTES = 1L << 30;

  public StoreConfig {
    if (memoryLimitBytes <= 0) {
      throw new IllegalArgumentException("memoryLimitBytes must be positive");
    }
  }

  /** With the default memory limit. */
  public StoreConfig(
      StoreKind kind,
      Path dataDir,
      Duration rawRetention,
      Duration minuteRetention,
      Duration hourRetention,
      InfluxConfig influxdb,
      BufferConfig buffer) {
    this(
        kind,
        dataDir,
        rawRetention,
        minuteRetention,
        hourRetention,
        influxdb,
        buffer,
        DEFAULT_MEMORY_LIMIT_BYTES);
  }

  /** Without a server or buffer settings: the embedded store with the default buffer. */
  public StoreConfig(
      StoreKind kind,
      Path dataDir,
      Duration rawRetention,
      Duration minuteRetention,
      Duration hourRetention) {
    this(kind, dataDir, rawRetention, minuteRetention, hourRetention, null, BufferConfig.DEFAULT);
  }

  public static final Duration DEFAULT_RAW_RETENTION = Duration.ofDays(7);
  public static final Duration DEFAULT_MINUTE_RETENTION = Duration.ofDays(90);
  public static final Duration DEFAULT_HOUR_RETENTION = Duration.ofDays(5 * 366);

  public static StoreConfig embedded(Path dataDir) {
    return new StoreConfig(
        StoreKind.EMBEDDED,
        dataDir,
        DEFAULT_RAW_RETENTION,
        DEFAULT_MINUTE_RETENTION,
        DEFAULT_HOUR_RETENTION);
  }

  public enum StoreKind {
    EMBEDDED,
    INFLUXDB
  }
}
