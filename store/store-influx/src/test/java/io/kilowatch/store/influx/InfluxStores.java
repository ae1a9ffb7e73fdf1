package io.kilowatch.store.influx;

import io.kilowatch.testkit.InfluxServer;

/** A store on a fresh database of the test's {@code influxd}. */
final class InfluxStores {
  private InfluxStores() {}

  static InfluxStore fresh(InfluxServer server) {
    var store = InfluxStore.open(server.newDatabase());
    store.createDatabase();
    return store;
  }
}
