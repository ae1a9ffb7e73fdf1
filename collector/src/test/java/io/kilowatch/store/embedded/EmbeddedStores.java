package io.kilowatch.store.embedded;

import java.nio.file.Path;
import java.time.Duration;

/** Test access to the embedded store without its background maintenance, for other packages. */
public final class EmbeddedStores {
  private EmbeddedStores() {}

  public static EmbeddedStore openWithoutMaintenance(Path dir, Duration rawRetention) {
    return EmbeddedStore.open(dir, rawRetention, Duration.ofDays(90), Duration.ofDays(1830), false);
  }
}
