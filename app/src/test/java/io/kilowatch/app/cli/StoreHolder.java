package io.kilowatch.app.cli;

import io.kilowatch.config.StoreConfig;
import io.kilowatch.store.embedded.EmbeddedStore;
import java.nio.file.Path;

/**
 * Stands in for a running kilowatch in another process: opens the embedded store under the data
 * directory given, prints {@link #READY}, and holds it until its standard input closes.
 */
public final class StoreHolder {
  static final String READY = "store open";

  private StoreHolder() {}

  public static void main(String[] args) throws Exception {
    try (var store = EmbeddedStore.open(StoreConfig.embedded(Path.of(args[0])))) {
      System.out.println(READY);
      System.out.flush();
      while (System.in.read() >= 0) {
        // wait for the test to close our input
      }
    }
  }
}
