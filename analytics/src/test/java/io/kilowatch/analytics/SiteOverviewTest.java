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
        io.kilowatch.testkit.TestSites.withMeterProfile(
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
                    List.of())));
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
  void pueIsTheRatioOfEnergyPerStepAndIgnoresPhaseSeries() {
    // Readings every 10 s from t=0 to t=60; steps of 30 s: [0,30) and [30,60). A step's energy is
    // the counter at its end minus the counter at its start (readings fall on the boundaries).
    // main: +0.5 kWh per 10 s until t=30, then +0.6:  100, 100.5, 101.0, 101.5 | 102.1, 102.7,
    // 103.3
    // p1:   +0.2 kWh per 10 s:                          10, 10.2, 10.4, 10.6    | 10.8, 11.0, 11.2
    // p2:   +0.2 kWh per 10 s, reset to 0 after t=30:   20, 20.2, 20.4, 20.6    | 0.2, 0.4, 0.6
    // Step 1: main 101.5 - 100 = 1.5;  IT 0.6 + 0.6 = 1.2                         → PUE 1.25
    // Step 2: main 103.3 - 101.5 = 1.8; IT 0.6 + (reset + 0.4). R1: p2's reset interval 30 → 40 s
    //   is filled from p2's own power, 80 kW at both ends: 80 × 10 / 3600 = 0.2222… kWh, so
    //   IT = 1.2 + 0.0222… = 1.2222…                                              → PUE 1.472727…
    // Window: 3.3 / 2.4222… = 1.362385…
    double[] main = {100, 100.5, 101.0, 101.5, 102.1, 102.7, 103.3};
    double[] p1 = {10, 10.2, 10.4, 10.6, 10.8, 11.0, 11.2};
    double[] p2 = {20, 20.2, 20.4, 20.6, 0.2, 0.4, 0.6};
    for (int i = 0; i < 7; i++) {
      int t = i * 10;
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
        new SiteOverview(new Analytics(site, store, java.time.Clock.systemUTC()))
            .compute(Instant.ofEpochSecond(0), Instant.ofEpochSecond(60), Duration.ofSeconds(30));

    assertThat(o.pue().steps()).hasSize(2);
    assertThat(o.pue().steps().get(0).value()).isCloseTo(1.25, within(1e-9));
    double fill = 80.0 * 10 / 3600;
    assertThat(o.pue().steps().get(1).value()).isCloseTo(1.8 / (1.0 + fill), within(1e-9));
    assertThat(o.windowPue()).isCloseTo(3.3 / (2.2 + fill), within(1e-9));
    assertThat(o.facilityEnergyKwh()).isCloseTo(3.3, within(1e-9));
    assertThat(o.itEnergyKwh()).isCloseTo(2.2 + fill, within(1e-9));
    assertThat(o.pueCategory()).isEqualTo(2);
    // Power is energy over time from the same engine: each PDU counts 0.6 kWh in 30 s = 72 kW,
    // IT = p1 + p2 totals only: 144 kW (the phase series is not added). Facility in step 2:
    // 1.8 kWh / 30 s = 216 kW.
    assertThat(o.itPower().steps().get(0).value()).isCloseTo(144.0, within(1e-9));
    assertThat(o.facilityPower().steps().get(1).value()).isCloseTo(216.0, within(1e-9));
    assertThat(o.itPower().coverage()).isEqualTo(1.0);
  }

  @Test
  void aDeviceThatStopsReportingMakesGapsNotLowNumbers() {
    // p2 stops after t=20, long before now: IT (p1 and p2) is known only over [0, 20], 1/3 of the
    // window. Step 1: each PDU's mean power over its own known time, 0.6 kWh in 30 s and 0.4 kWh
    // in 20 s, is 72 kW: IT 144 kW, facility 1.5 kWh in 30 s = 180 kW, PUE 180 / 144 = 1.25.
    // Step 2 has no known p2 time and p2 is overdue: no IT power, no PUE. The window's PUE is over
    // facility ∩ IT known time (R5): coverage 1/3 < 0.9, so none.
    for (int i = 0; i <= 6; i++) {
      put("main", "meter", i * 10, 100 + 0.5 * i, 200_000);
      put("p1", "pdu", i * 10, 10 + 0.2 * i, 80_000);
      if (i <= 2) {
        put("p2", "pdu", i * 10, 20 + 0.2 * i, 80_000);
      }
    }
    var o =
        new SiteOverview(new Analytics(site, store, java.time.Clock.systemUTC()))
            .compute(Instant.ofEpochSecond(0), Instant.ofEpochSecond(60), Duration.ofSeconds(30));
    assertThat(o.itPower().steps().get(0).value()).isCloseTo(144.0, within(1e-9));
    assertThat(o.itPower().steps().get(1).value()).isNull();
    assertThat(o.silentDevices().get("it_power").get(Instant.ofEpochSecond(30)))
        .containsExactly("p2");
    assertThat(o.itPower().coverage()).isCloseTo(1.0 / 3, within(1e-9));
    assertThat(o.pue().steps().get(0).value()).isCloseTo(1.25, within(1e-9));
    assertThat(o.pue().steps().get(1).value()).isNull();
    assertThat(o.pueStepCoverage()).isCloseTo(0.5, within(1e-12));
    assertThat(o.windowPue()).isNull();
    assertThat(o.latest()).isEqualTo(Instant.ofEpochSecond(0));
  }

  @Test
  void theStepWhereAMetersReadingsBeginIsNoSpike() {
    // p2 starts at t=10 (a device added, or kilowatch just started). Step 1 takes each meter over
    // its own known time: p2 0.4 kWh in [10, 30] = 72 kW like p1, so IT 144 kW and PUE 180 / 144
    // = 1.25, not the 1.5 / (0.6 + 0.4) = 1.5 of setting a full step of facility energy against
    // p2's part of a step. Step 2: main 3.0 - 1.5 = 1.5, IT 0.6 + 0.6 → 1.25.
    for (int i = 0; i <= 6; i++) {
      put("main", "meter", i * 10, 100 + 0.5 * i, 200_000);
      put("p1", "pdu", i * 10, 10 + 0.2 * i, 80_000);
      if (i >= 1) {
        put("p2", "pdu", i * 10, 20 + 0.2 * i, 80_000);
      }
    }
    var o =
        new SiteOverview(new Analytics(site, store, java.time.Clock.systemUTC()))
            .compute(Instant.ofEpochSecond(0), Instant.ofEpochSecond(60), Duration.ofSeconds(30));
    assertThat(o.pue().steps().get(0).value()).isCloseTo(1.25, within(1e-9));
    assertThat(o.pue().steps().get(1).value()).isCloseTo(1.25, within(1e-9));
  }

  @Test
  void metersPolledAtStaggeredPhasesFillTheStepInProgress() {
    // Polled every 10 s at different phases: main at 0, 10, … 60; p1 at 3, 13, … 53; p2 at 7,
    // 17, 27 and then silent. Now is t=62; steps of 20 s. main +0.5 kWh and each PDU +0.2 kWh
    // per 10 s: 180 kW and 72 kW.
    // Step [60, 80): no meter has known time in it yet (main's known time ends at 60, p1's at
    // 53). main (2 s old) and p1 (9 s old) are not overdue (at most two intervals, 20 s): each
    // stands at its last step's mean. p2's newest reading is 35 s old: overdue, so the step has
    // no IT power and names p2; facility is 180 kW.
    // Step [20, 40): p2 known over [20, 27], p1 over [20, 40]: IT 144, PUE 180 / 144 = 1.25.
    // Step [40, 60): p2 is past its last reading and overdue: no IT, names p2.
    for (int t = 0; t <= 60; t += 10) {
      put("main", "meter", t, 100 + 0.05 * t, 180_000);
    }
    for (int t = 3; t <= 53; t += 10) {
      put("p1", "pdu", t, 10 + 0.02 * t, 72_000);
    }
    for (int t = 7; t <= 27; t += 10) {
      put("p2", "pdu", t, 20 + 0.02 * t, 72_000);
    }
    var clock = java.time.Clock.fixed(Instant.ofEpochSecond(62), ZoneOffset.UTC);
    var o =
        new SiteOverview(new Analytics(site, store, clock))
            .compute(Instant.ofEpochSecond(0), Instant.ofEpochSecond(80), Duration.ofSeconds(20));
    assertThat(o.facilityPower().steps().get(3).value()).isCloseTo(180.0, within(1e-9));
    assertThat(o.itPower().steps().get(1).value()).isCloseTo(144.0, within(1e-9));
    assertThat(o.pue().steps().get(1).value()).isCloseTo(1.25, within(1e-9));
    for (int i : new int[] {2, 3}) {
      assertThat(o.itPower().steps().get(i).value()).as("IT at step %d", i).isNull();
      assertThat(o.silentDevices().get("it_power").get(Instant.ofEpochSecond(20L * i)))
          .containsExactly("p2");
    }
    assertThat(o.latest()).isEqualTo(Instant.ofEpochSecond(20));

    // p2 back on time (readings at 37, 47, 57): step [60, 80) has p1 and p2 at their last
    // means, 72 kW each, and main at 180: every tile and the PUE at 60 s.
    for (int t = 37; t <= 57; t += 10) {
      put("p2", "pdu", t, 20 + 0.02 * t, 72_000);
    }
    var back =
        new SiteOverview(new Analytics(site, store, clock))
            .compute(Instant.ofEpochSecond(0), Instant.ofEpochSecond(80), Duration.ofSeconds(20));
    assertThat(back.itPower().steps().get(3).value()).isCloseTo(144.0, within(1e-9));
    assertThat(back.pue().steps().get(3).value()).isCloseTo(1.25, within(1e-9));
    assertThat(back.latest()).isEqualTo(Instant.ofEpochSecond(60));
  }

  @Test
  void longStepsUseTheStoresCounterIncreaseAndAgreeWithInterpolation() {
    // Steps of 100 poll intervals or more take the store's per-step increase: same answer here,
    // where readings fall on the boundaries. One reading every 10 s for 2 h; steps of 1 h.
    // main +0.5 kWh and each PDU +0.2 kWh per reading: PUE 0.5 / 0.4 = 1.25 in both hours.
    for (int i = -1; i <= 720; i++) {
      put("main", "meter", i * 10, 100 + 0.5 * i, 200_000);
      put("p1", "pdu", i * 10, 10 + 0.2 * i, 80_000);
      put("p2", "pdu", i * 10, 20 + 0.2 * i, 80_000);
    }
    var o =
        new SiteOverview(new Analytics(site, store, java.time.Clock.systemUTC()))
            .compute(Instant.ofEpochSecond(0), Instant.ofEpochSecond(7200), Duration.ofHours(1));
    assertThat(o.pue().steps()).hasSize(2);
    assertThat(o.pue().steps().get(0).value()).isCloseTo(1.25, within(1e-9));
    assertThat(o.pue().steps().get(1).value()).isCloseTo(1.25, within(1e-9));
    // 360 readings per hour × 0.5 kWh
    assertThat(o.facilityEnergyKwh()).isCloseTo(360.0, within(1e-6));
  }
}
