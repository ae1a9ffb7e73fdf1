package io.kilowatch.store.embedded;

import io.kilowatch.store.Store;
import io.kilowatch.testkit.StoreContractTest;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedStoreContractTest extends StoreContractTest {
  @TempDir Path dir;

  @Override
  protected Store openStore() {
    return EmbeddedStore.open(dir, Duration.ofDays(7), Duration.ofDays(90), Duration.ofDays(1830));
  }
}
