package io.kilowatch.analytics;

import io.kilowatch.store.embedded.EmbeddedStore;
import java.nio.file.Path;
import java.time.Duration;

/**
 * An embedded store without background maintenance, for the analytics benches: they write a month
 * or a year of history in one go, in time order, and then run {@link EmbeddedStore#maintain} once,
 * as a store that had been running all along would have done bit by bit. (With maintenance running
 * meanwhile, every batch older than the rolled-up watermark would take the slow late-data path.)
 */
public final class BenchStore {
  private BenchStore() {}

  public static EmbeddedStore open(Path dir) {
    return EmbeddedStore.open(
        dir, Duration.ofDays(7), Duration.ofDays(90), Duration.ofDays(5 * 366), false);
  }
}
