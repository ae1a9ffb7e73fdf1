package io.kilowatch.store.influx;

import io.kilowatch.store.Store;
import io.kilowatch.store.StoreContractTest;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The contract against a real {@code influxd}, one fresh database per test. */
class InfluxStoreContractTest extends StoreContractTest {
  @RegisterExtension static final InfluxServer SERVER = InfluxServer.withoutAuth();

  @Override
  protected Store openStore() {
    return SERVER.newStore();
  }
}
