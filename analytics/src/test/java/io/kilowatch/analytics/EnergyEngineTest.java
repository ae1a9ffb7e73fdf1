package io.kilowatch.analytics;

import static io.kilowatch.analytics.TestSites.device;
import static io.kilowatch.analytics.TestSites.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kilowatch.config.AnalyticsConfig;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.EnergyModel;
import io.kilowatch.config.EnergyModel.Channel;
import io.kilowatch.config.Location;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.StoreConfig;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Energy from counters and power, checked against vectors worked out by hand. */
class EnergyEngineTest {
  @TempDir Path dir;
  Store store;
  EnergyEngine energy;

  @BeforeEach
  void setUp() {
    store = EmbeddedStore.open(StoreConfig.embedded(dir));
    var f = Location.FACILITY;
    SiteConfig site =
        TestSites.site(
            dir,
            ZoneOffset.UTC,
            List.of(TestSites.uint32Meter()),
            List.of(),
            List.of(
                device("wrap", DeviceKind.METER, f, "u32-meter", 60),
                device("reset", DeviceKind.METER, f, null, 60),
                device("swap", DeviceKind.METER, f, null, 60),
                device("flat", DeviceKind.METER, f, "u32-meter", 60),
                device("gap", DeviceKind.PDU, f, null, 60),
                device("ramp", DeviceKind.PDU, f, null, 60),
                device("n1", DeviceKind.GPU_NODE, f, null, 60)),
            new EnergyModel(
                EnergyModel.ItLevel.IT_INPUT,
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of()),
            AnalyticsConfig.DEFAULT);
    energy = new EnergyEngine(site, store);
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  private EnergySeries of(String device, long from, long to, long stepS) {
    return energy.channels(
        device,
        List.of(new Channel(device, null, null, "energy_kwh", "power_w")),
        Instant.ofEpochSecond(from),
        Instant.ofEpochSecond(to),
        new StepPlan.Step.Fixed(Duration.ofSeconds(stepS)));
  }

  @Test
  void aThirtyTwoBitCounterThatWrapsIsUnwrappedWithItsRegisterWidth() {
    // UINT32 register × scale 0.001 → the counter wraps at 2^32 × 0.001 = 4,294,967.296 kWh.
    // t:      0            60           120          180     240
    // kWh:    4294965.296  4294966.296  4294967.196  0.904   1.904
    // pairs:  +1.0         +0.9         (0.904 − 4294967.196 + 4294967.296 =) +1.004   +1.0
    // steps of 120 s: [0,120) = 1.0 + 0.9 = 1.9;  [120,240) = 1.004 + 1.0 = 2.004
    double[] v = {4294965.296, 4294966.296, 4294967.196, 0.904, 1.904};
    for (int i = 0; i < v.length; i++) {
      put(store, "meter", "wrap", i * 60L, "energy_kwh", v[i]);
    }
    var e = of("wrap", 0, 240, 120);
    assertThat(e.source()).isEqualTo(EnergySource.COUNTER);
    assertThat(e.kwh(0)).isCloseTo(1.9, within(1e-6));
    assertThat(e.kwh(1)).isCloseTo(2.004, within(1e-6));
    assertThat(e.wraps()).isEqualTo(1);
    assertThat(e.resets()).isZero();
  }

  @Test
  void aResetIsFilledFromTheMetersPowerElseWithWhatTheNewRegisterCounted() {
    // R1. Readings every 60 s at 0..240 s, steps of 120 s.
    // "reset" (no power series): 100, 101, 102, 0.5, 1.5
    //   [0,120) = 1 + 1 = 2;  [120,240) = 0.5 (c1: what the new register counted) + 1.0 = 1.5
    // "swap" (a meter swap; power 60 kW on both sides): 100, 101, 102, 0.4, 1.4
    //   the reset pair 120 → 180 s is filled with (60 + 60) / 2 kW × 60 s = 1.0 kWh
    //   [0,120) = 2;  [120,240) = 1.0 + 1.0 = 2.0
    double[] reset = {100, 101, 102, 0.5, 1.5};
    double[] swap = {100, 101, 102, 0.4, 1.4};
    for (int i = 0; i < 5; i++) {
      put(store, "meter", "reset", i * 60L, "energy_kwh", reset[i]);
      put(store, "meter", "swap", i * 60L, "energy_kwh", swap[i]);
      put(store, "meter", "swap", i * 60L, "power_w", 60_000);
    }
    var r = of("reset", 0, 240, 120);
    assertThat(r.kwh(0)).isCloseTo(2.0, within(1e-9));
    assertThat(r.kwh(1)).isCloseTo(1.5, within(1e-9));
    assertThat(r.resets()).isEqualTo(1);
    assertThat(r.applied().resets().getFirst().rule()).isEqualTo("new-register");
    assertThat(r.applied().resets().getFirst().kwh()).isCloseTo(0.5, within(1e-9));
    var s = of("swap", 0, 240, 120);
    assertThat(s.kwh(0)).isCloseTo(2.0, within(1e-9));
    assertThat(s.kwh(1)).isCloseTo(2.0, within(1e-9));
    assertThat(s.applied().resets()).hasSize(1);
    assertThat(s.applied().resets().getFirst().rule()).isEqualTo("power-trapezoid");
    assertThat(s.applied().resets().getFirst().kwh()).isCloseTo(1.0, within(1e-9));
  }

  @Test
  void aCounterThatWasFlatBeforeWrappingIsAWrapNotAReset() {
    // UINT32 × 0.001 kWh: W = 4,294,967.296. Flat at 4,294,967.0 (top tenth of W) for three
    // readings, then 0.5 (bottom tenth): a wrap, W − c0 + c1 = 0.296 + 0.5 = 0.796 kWh.
    double[] v = {4294967.0, 4294967.0, 4294967.0, 0.5};
    for (int i = 0; i < v.length; i++) {
      put(store, "meter", "flat", i * 60L, "energy_kwh", v[i]);
    }
    var e = of("flat", 0, 180, 180);
    assertThat(e.kwh(0)).isCloseTo(0.796, within(1e-6));
    assertThat(e.wraps()).isEqualTo(1);
    assertThat(e.resets()).isZero();
  }

  @Test
  void aCounterKeepsItsEnergyAcrossAGapOfAnyLengthSplitEvenlyInTime() {
    // R1 + R4: readings 100 @0 s, 101 @60 s, then nothing until 160 @3660 s (a one-hour gap).
    // The pair 60 → 3660 s holds 59 kWh, spread evenly over 3600 s; steps of 1800 s:
    //   [0,1800)    = 1 + 59 × 1740/3600 = 29.516666…
    //   [1800,3600) = 59 × 1800/3600 = 29.5
    //   [3600,3660) = 59 × 60/3600 = 0.983333…  (period ends at 3660 s)
    // Coverage is 1.0: a counter that kept counting knows its energy through the gap.
    put(store, "meter", "reset", 0, "energy_kwh", 100);
    put(store, "meter", "reset", 60, "energy_kwh", 101);
    put(store, "meter", "reset", 3660, "energy_kwh", 160);
    var e = of("reset", 0, 3660, 1800);
    assertThat(e.kwh(0)).isCloseTo(1 + 59.0 * 1740 / 3600, within(1e-9));
    assertThat(e.kwh(1)).isCloseTo(29.5, within(1e-9));
    assertThat(e.kwh(2)).isCloseTo(59.0 * 60 / 3600, within(1e-9));
    assertThat(e.coverage()).isCloseTo(1.0, within(1e-12));
    assertThat(e.applied().gapsBridged()).isEqualTo(1);
    assertThat(e.applied().gapsBridgedMinutes()).isCloseTo(60.0, within(1e-9));
  }

  @Test
  void aGapLongerThanTheLimitIsNotBridgedAndLowersCoverage() {
    // 60 kW every 60 s at 0..240 and 900..1140; nothing from 300 to 840 (gap limit 5 min).
    // [0,600):   pairs 0→60…180→240 = 4 × 60 kW × 60 s = 14,400 kJ = 4 kWh; 240→900 is a gap
    // [600,1200): pairs 900→…→1140 = 4 kWh. A straight line over the gap would add 11 kWh.
    // primary coverage (R3): known 0→240 and 900→1140, 240 s of each 600 s step = 0.4;
    // sample coverage: 5 of 10 expected readings in each step = 0.5
    for (long t = 0; t < 1200; t += 60) {
      if (t <= 240 || t >= 900) {
        put(store, "pdu", "gap", t, "power_w", 60_000);
      }
    }
    var e = of("gap", 0, 1200, 600);
    assertThat(e.source()).isEqualTo(EnergySource.INTEGRATED);
    assertThat(e.kwh(0)).isCloseTo(4.0, within(1e-9));
    assertThat(e.kwh(1)).isCloseTo(4.0, within(1e-9));
    assertThat(e.gaps()).isEqualTo(1);
    assertThat(e.steps().get(0).coverage()).isCloseTo(0.4, within(1e-9));
    assertThat(e.steps().get(0).sampleCoverage()).isCloseTo(0.5, within(1e-9));
    assertThat(e.coverage()).isCloseTo(0.4, within(1e-9));
    assertThat(e.sampleCoverage()).isCloseTo(0.5, within(1e-9));
    // what the gap could have held: 60 kW on both sides × 660 s = 11 kWh
    assertThat(e.applied().gapsLeftMinutes()).isCloseTo(11.0, within(1e-9));
    assertThat(e.applied().gapsLeftHighKwh()).isCloseTo(11.0, within(1e-9));
  }

  @Test
  void powerIsIntegratedByTheTrapezoidRuleSplitExactlyAtStepEdges() {
    // 0 W @0, 60 kW @60, 120 kW @120, 0 W @180; steps of 90 s.
    // 0→60:    (0 + 60)/2 kW × 60 s = 1800 kJ = 0.5 kWh                    → step 0
    // 60→120:  line 60→120 kW; at 90 s it is 90 kW
    //          [60,90]  (60 + 90)/2 × 30 s = 2250 kJ = 0.625 kWh          → step 0
    //          [90,120] (90 + 120)/2 × 30 s = 3150 kJ = 0.875 kWh         → step 1
    // 120→180: (120 + 0)/2 × 60 s = 3600 kJ = 1.0 kWh                     → step 1
    // step 0 = 1.125, step 1 = 1.875, total 3.0
    double[] w = {0, 60_000, 120_000, 0};
    for (int i = 0; i < w.length; i++) {
      put(store, "pdu", "ramp", i * 60L, "power_w", w[i]);
    }
    var e = of("ramp", 0, 180, 90);
    assertThat(e.kwh(0)).isCloseTo(1.125, within(1e-9));
    assertThat(e.kwh(1)).isCloseTo(1.875, within(1e-9));
    assertThat(e.totalKwh()).isCloseTo(3.0, within(1e-9));
  }

  @Test
  void aGpuNodeWithoutItsOwnSeriesSumsItsGpusMillijouleCounters() {
    // Two GPUs, each +3.6e8 mJ (0.1 kWh) per minute; readings at 0, 60, 120 → 2 × 0.2 = 0.4 kWh.
    for (int g = 0; g < 2; g++) {
      for (int i = 0; i < 3; i++) {
        store.write(
            List.of(
                Sample.of(
                    Instant.ofEpochSecond(i * 60L),
                    "gpu",
                    Map.of("device", "n1", "gpu", "" + g),
                    Map.of("energy_mj", 1e12 + i * 3.6e8))));
      }
    }
    var e = of("n1", 0, 120, 120);
    assertThat(e.source()).isEqualTo(EnergySource.COUNTER);
    assertThat(e.kwh(0)).isCloseTo(0.4, within(1e-9));
  }

  @Test
  void aStepInProgressIsJudgedOnlyOnItsPast() {
    // It is t = 120 s; a 10-minute step [0, 600) has readings at 0, 60, 120 (every 60 s):
    // 3 present of the 120 / 60 = 2 expected so far → coverage 1.0, not 3 / 10.
    for (int t = 0; t <= 120; t += 60) {
      put(store, "pdu", "gap", t, "power_w", 60_000);
    }
    var now = java.time.Clock.fixed(Instant.ofEpochSecond(120), ZoneOffset.UTC);
    var e =
        new EnergyEngine(energy.site(), store, now)
            .channels(
                "gap",
                List.of(new Channel("gap", null, null, "energy_kwh", "power_w")),
                Instant.EPOCH,
                Instant.ofEpochSecond(600),
                new StepPlan.Step.Fixed(Duration.ofMinutes(10)));
    assertThat(e.steps().getFirst().coverage()).isEqualTo(1.0);
    assertThat(e.kwh(0)).isCloseTo(2.0, within(1e-9)); // 60 kW × 120 s
  }

  @Test
  void calendarDaysFollowTheSitesTimeZoneAcrossADaylightSavingChange() {
    // Paris moves to summer time on Sunday 2026-03-29: that day is 23 h long.
    var plan =
        StepPlan.of(
            Instant.parse("2026-03-28T23:00:00Z"),
            Instant.parse("2026-03-30T22:00:00Z"),
            new StepPlan.Step.Day(),
            ZoneId.of("Europe/Paris"));
    assertThat(plan.edges())
        .containsExactly(
            Instant.parse("2026-03-28T23:00:00Z"),
            Instant.parse("2026-03-29T22:00:00Z"),
            Instant.parse("2026-03-30T22:00:00Z"));
    var months =
        StepPlan.of(
            Instant.parse("2026-01-15T00:00:00Z"),
            Instant.parse("2026-02-15T00:00:00Z"),
            new StepPlan.Step.Month(),
            ZoneId.of("Europe/Paris"));
    // R0: the steps are cut to the period, so the first and last months are partial.
    assertThat(months.edges())
        .containsExactly(
            Instant.parse("2026-01-15T00:00:00Z"),
            Instant.parse("2026-01-31T23:00:00Z"),
            Instant.parse("2026-02-15T00:00:00Z"));
  }
}
