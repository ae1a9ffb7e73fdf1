package io.kilowatch.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.EnergyModel;
import io.kilowatch.config.EnergyModel.Channel;
import io.kilowatch.config.Location;
import io.kilowatch.config.Site;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.config.StoreConfig;
import io.kilowatch.config.WebConfig;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Interim PUE from energy counters, checked against values worked out by hand. */
class SiteOverviewTest {
  @TempDir Path dir;
  Store store;
  SiteConfig site;

  @BeforeEach
  void setUp() {
    store = EmbeddedStore.open(StoreConfig.embedded(dir));
    site =
        new SiteConfig(
            null,
            new Site("test", ZoneOffset.UTC, null, null),
            StoreConfig.embedded(dir),
            WebConfig.DEFAULT,
            List.of(),
            List.of(),
            List.of(
                device("main", DeviceKind.METER),
                device("p1", DeviceKind.PDU),
                device("p2", DeviceKind.PDU)),
            new EnergyModel(
                EnergyModel.ItLevel.PDU_OUTPUT,
                List.of(new Channel("main", null, null, "energy_kwh", "power_w")),
                List.of(new Channel(null, DeviceKind.PDU, null, "energy_kwh", "power_w")),
                List.of(),
                List.of(),
                List.of()));
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  private static Device device(String id, DeviceKind kind) {
    return new Device(
        id,
        kind,
        Location.FACILITY,
        null,
        new Source.Modbus("127.0.0.1", 502, 1),
        Duration.ofSeconds(10),
        Duration.ofSeconds(2),
        Map.of());
  }

  private void put(String device, String measurement, int second, double kwh, double watts) {
    store.write(
        List.of(
            Sample.of(
                Instant.ofEpochSecond(second),
                measurement,
                Map.of("site", "test", "device", device),
                Map.of("energy_kwh", kwh, "power_w", watts))));
  }

  @Test
  void pueIsTheRatioOfEnergyIncreasesPerStepAndIgnoresPhaseSeries() {
    // Readings every 10 s from t=-10 to t=50; steps of 30 s: [0,30) and [30,60).
    // main: +0.5 kWh per 10 s until t=20, then +0.6:  99.5 | 100, 100.5, 101.0 | 101.6, 102.2,
    // 102.8
    // p1:   +0.2 kWh per 10 s:                          9.8 | 10, 10.2, 10.4    | 10.6, 10.8, 11.0
    // p2:   +0.2 kWh per 10 s, reset to 0 at t=30:     19.8 | 20, 20.2, 20.4    | 0.2, 0.4, 0.6
    // Step 1: pairs (-10→0), (0→10), (10→20):   main 1.5, IT 0.6 + 0.6 = 1.2   → PUE 1.25
    // Step 2: pairs (20→30), (30→40), (40→50):  main 1.8, IT 0.6 + 0.6 = 1.2   → PUE 1.5
    //   (p2's reset pair counts its new reading, 0.2, in full: 0.2 + 0.2 + 0.2)
    // Window: 3.3 / 2.4 = 1.375
    double[] main = {99.5, 100, 100.5, 101.0, 101.6, 102.2, 102.8};
    double[] p1 = {9.8, 10, 10.2, 10.4, 10.6, 10.8, 11.0};
    double[] p2 = {19.8, 20, 20.2, 20.4, 0.2, 0.4, 0.6};
    for (int i = 0; i < 7; i++) {
      int t = (i - 1) * 10;
      put("main", "meter", t, main[i], 200_000);
      put("p1", "pdu", t, p1[i], 80_000);
      put("p2", "pdu", t, p2[i], 80_000);
      // A per-phase reading of p1 shares the field names; it must not be added to the total.
      store.write(
          List.of(
              Sample.of(
                  Instant.ofEpochSecond(t),
                  "pdu",
                  Map.of("site", "test", "device", "p1", "phase", "l1"),
                  Map.of("energy_kwh", 1000.0 + i, "power_w", 30_000.0))));
    }
    var o =
        new SiteOverview(site, store)
            .compute(Instant.ofEpochSecond(0), Instant.ofEpochSecond(60), Duration.ofSeconds(30));

    assertThat(o.pue().steps()).hasSize(2);
    assertThat(o.pue().steps().get(0).value()).isCloseTo(1.25, within(1e-9));
    assertThat(o.pue().steps().get(1).value()).isCloseTo(1.5, within(1e-9));
    assertThat(o.windowPue()).isCloseTo(1.375, within(1e-9));
    assertThat(o.facilityEnergyKwh()).isCloseTo(3.3, within(1e-9));
    assertThat(o.itEnergyKwh()).isCloseTo(2.4, within(1e-9));
    assertThat(o.pueCategory()).isEqualTo(2);
    // IT power = p1 + p2 totals only: 160 kW (not 190 kW with the phase series).
    assertThat(o.itPower().steps().get(0).value()).isCloseTo(160.0, within(1e-9));
    assertThat(o.facilityPower().steps().get(1).value()).isCloseTo(200.0, within(1e-9));
    assertThat(o.itPower().coverage()).isEqualTo(1.0);
  }

  @Test
  void aStepWithAMissingDeviceIsAGapNotALowNumber() {
    // p2 stops reporting after t=20: step 2 has main and p1 only.
    for (int i = -1; i < 6; i++) {
      put("main", "meter", i * 10, 100 + 0.5 * i, 200_000);
      put("p1", "pdu", i * 10, 10 + 0.2 * i, 80_000);
      if (i < 3) {
        put("p2", "pdu", i * 10, 20 + 0.2 * i, 80_000);
      }
    }
    var o =
        new SiteOverview(site, store)
            .compute(Instant.ofEpochSecond(0), Instant.ofEpochSecond(60), Duration.ofSeconds(30));
    assertThat(o.itPower().steps().get(0).value()).isCloseTo(160.0, within(1e-9));
    assertThat(o.itPower().steps().get(1).value()).isNull();
    assertThat(o.pue().steps().get(1).value()).isNull();
    // Two PDU series × two steps expected, three present.
    assertThat(o.itPower().coverage()).isCloseTo(0.75, within(1e-9));
    assertThat(o.pueStepCoverage()).isCloseTo(0.5, within(1e-9));
    // Step 1 only: main 1.5 kWh, IT 0.6 + 0.6 kWh.
    assertThat(o.windowPue()).isCloseTo(1.25, within(1e-9));
  }

  @Test
  void theStepWhereAMetersReadingsBeginIsAGapNotASpike() {
    // main has read since t=-10; p2 starts at t=10 (a device added, or kilowatch just started).
    // In step 1 p2 has one pair only (10→20) against main's three: summing that would show a PUE
    // of 1.5 / (0.6 + 0.2) = 1.875. The step must be a gap instead; step 2 is complete.
    for (int i = -1; i < 6; i++) {
      put("main", "meter", i * 10, 100 + 0.5 * i, 200_000);
      put("p1", "pdu", i * 10, 10 + 0.2 * i, 80_000);
      if (i >= 1) {
        put("p2", "pdu", i * 10, 20 + 0.2 * i, 80_000);
      }
    }
    var o =
        new SiteOverview(site, store)
            .compute(Instant.ofEpochSecond(0), Instant.ofEpochSecond(60), Duration.ofSeconds(30));
    assertThat(o.pue().steps().get(0).value()).isNull();
    // Step 2: main 1.5, IT 0.6 + 0.6 → 1.25
    assertThat(o.pue().steps().get(1).value()).isCloseTo(1.25, within(1e-9));
  }
}
