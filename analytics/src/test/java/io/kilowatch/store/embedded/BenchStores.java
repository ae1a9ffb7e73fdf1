package io.kilowatch.store.embedded;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Opens an embedded store without its background maintenance, for the analytics bench: it writes a
 * month of history in one go, in time order, and then runs {@link EmbeddedStore#maintain} once, as
 * a store that had been running all month would have done bit by bit. (With maintenance running
 * meanwhile, every batch older than the rolled-up watermark would take the store's slow late-data
 * path.)
 */
public final class BenchStores {
  private BenchStores() {}

  public static EmbeddedStore openWithoutMaintenance(Path dir) {
    return EmbeddedStore.open(
        dir, Duration.ofDays(7), Duration.ofDays(90), Duration.ofDays(5 * 366), false);
  }
}
