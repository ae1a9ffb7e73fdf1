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
 */
public record StoreConfig(
    StoreKind kind,
    Path dataDir,
    Duration rawRetention,
    Duration minuteRetention,
    Duration hourRetention,
    InfluxConfig influxdb,
    BufferConfig buffer) {

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
