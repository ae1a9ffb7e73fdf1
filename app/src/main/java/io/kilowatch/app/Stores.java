package io.kilowatch.app;

import io.kilowatch.config.StoreConfig;
import io.kilowatch.store.Store;
import io.kilowatch.store.buffer.BufferedStore;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.store.influx.InfluxStore;

/** Opens the store a site configures. */
public final class Stores {
  private Stores() {}

  /**
   * The embedded store, or InfluxDB behind a disk buffer under the data directory, so that writes
   * made while the server is away are replayed when it is back.
   */
  public static Store open(StoreConfig config) {
    return switch (config.kind()) {
      case EMBEDDED -> EmbeddedStore.open(config);
      case INFLUXDB ->
          BufferedStore.open(
              InfluxStore.open(config.influxdb()), config.dataDir(), config.buffer().maxBytes());
    };
  }

  /**
   * The store to read from beside a running server (a report): InfluxDB without the disk buffer,
   * which belongs to the server's process (it holds the buffer's lock, and replays and acknowledges
   * its batches).
   */
  public static Store openForReading(StoreConfig config) {
    return switch (config.kind()) {
      case EMBEDDED -> EmbeddedStore.open(config);
      case INFLUXDB -> InfluxStore.open(config.influxdb());
    };
  }
}
