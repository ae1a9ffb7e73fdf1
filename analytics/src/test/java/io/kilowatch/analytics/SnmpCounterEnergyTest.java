package io.kilowatch.analytics;

import static io.kilowatch.analytics.TestSites.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kilowatch.config.AnalyticsConfig;
import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.EnergyModel;
import io.kilowatch.config.EnergyModel.Channel;
import io.kilowatch.config.Location;
import io.kilowatch.config.Profile;
import io.kilowatch.config.Source;
import io.kilowatch.config.StoreConfig;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An SNMP energy counter (a Counter32 or Unsigned32 of Wh stored as kWh, as the shipped Raritan and
 * Geist profiles read it) feeds the energy model as a Modbus UINT32 register does: its wrap at 2^32
 * × scale is unwrapped, not taken for a reset.
 */
class SnmpCounterEnergyTest {
  @TempDir Path dir;
  Store store;

  @AfterEach
  void tearDown() {
    if (store != null) {
      store.close();
    }
  }

  @Test
  void aCounter32OfWattHoursThatWrapsIsUnwrapped() {
    store = EmbeddedStore.open(StoreConfig.embedded(dir));
    var profile =
        new Profile.Snmp(
            "snmp-pdu",
            List.of(
                new Profile.SnmpPoint(
                    "energy",
                    "1.3.6.1.4.1.99999.1.4.0",
                    0.001,
                    "kWh",
                    Profile.PointKind.COUNTER,
                    null,
                    "energy_kwh")),
            List.of());
    var pdu =
        new Device(
            "pdu-1",
            DeviceKind.PDU,
            Location.FACILITY,
            "snmp-pdu",
            Source.Snmp.v2c("127.0.0.1", 161, "x"),
            Duration.ofSeconds(60),
            Duration.ofSeconds(2),
            Map.of());
    var site =
        TestSites.site(
            dir,
            ZoneOffset.UTC,
            List.of(profile),
            List.of(),
            List.of(pdu),
            new EnergyModel(
                EnergyModel.ItLevel.IT_INPUT,
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of()),
            AnalyticsConfig.DEFAULT);
    // Counter32 of Wh × 0.001 → wraps at 2^32 × 0.001 = 4,294,967.296 kWh.
    // raw Wh:  4294967000   4294967290   300        1300
    // kWh:     4294967.000  4294967.290  0.300      1.300
    // pairs:   +0.290       (0.300 − 4294967.290 + 4294967.296 =) +0.306       +1.000
    // one step [0, 180): 0.290 + 0.306 + 1.000 = 1.596 kWh
    double[] kwh = {4294967.000, 4294967.290, 0.300, 1.300};
    for (int i = 0; i < kwh.length; i++) {
      put(store, "pdu", "pdu-1", i * 60L, "energy_kwh", kwh[i]);
    }
    var e =
        new EnergyEngine(site, store)
            .channels(
                "pdu-1",
                List.of(new Channel("pdu-1", null, null, "energy_kwh", null)),
                Instant.ofEpochSecond(0),
                Instant.ofEpochSecond(180),
                new StepPlan.Step.Fixed(Duration.ofSeconds(180)));
    assertThat(e.source()).isEqualTo(EnergySource.COUNTER);
    assertThat(e.kwh(0)).isCloseTo(1.596, within(1e-6));
    assertThat(e.wraps()).isEqualTo(1);
    assertThat(e.resets()).isZero();
  }
}
