package io.kilowatch.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kilowatch.config.AnalyticsConfig;
import io.kilowatch.config.AnalyticsConfig.WaterClass;
import io.kilowatch.config.EnergyModel;
import io.kilowatch.config.Location;
import io.kilowatch.config.StoreConfig;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Throttle risk through a cooling fault whose course is known minute by minute. */
class RiskEngineTest {
  static final Instant T0 = Instant.parse("2026-07-01T12:00:00Z");

  @TempDir Path dir;
  Store store;
  RiskEngine risk;

  @BeforeEach
  void setUp() {
    store = EmbeddedStore.open(StoreConfig.embedded(dir));
    var analytics =
        new AnalyticsConfig(
            Duration.ofMinutes(5),
            0.9,
            null,
            Duration.ofMinutes(5),
            Map.of("c1-cdu", WaterClass.W32, "c2", WaterClass.W32),
            95,
            AnalyticsConfig.CarbonConfig.NONE,
            null,
            null,
            AnalyticsConfig.Declared.NONE);
    var site =
        TestSites.site(
            dir,
            ZoneOffset.UTC,
            List.of(),
            List.of(),
            // The CDUs: their loop readings are in the units their (test) profile declares.
            List.of(
                TestSites.device(
                    "c1-cdu", io.kilowatch.config.DeviceKind.CDU, Location.FACILITY, null, 10),
                TestSites.device(
                    "c2-cdu", io.kilowatch.config.DeviceKind.CDU, Location.FACILITY, null, 10)),
            new EnergyModel(
                EnergyModel.ItLevel.IT_INPUT,
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of()),
            analytics);
    risk = new RiskEngine(site, store);
    writeScenario();
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  /**
   * Every 10 s from −30 to +30 min:
   *
   * <ul>
   *   <li>c2-r1-n1 gpu 0: temp = 62 + t °C (t in minutes), slowdown 87 °C → margin = 25 − t K,
   *       shrinking 1 K/min; HBM 70 °C; SW thermal bit 0x20 and violation time once temp ≥ 87
   *   <li>c2's loop: supply 27 °C (W32: 5 K headroom); flow 600 → 200 L/min and ΔP 150 → 60 kPa
   *       from t = 2 min (pump failure)
   *   <li>c1-r1-n1 gpu 0: 60 °C steady; c1's loop steady at 600 L/min, 150 kPa
   * </ul>
   */
  private void writeScenario() {
    var batch = new ArrayList<Sample>();
    for (int s = -1800; s <= 1800; s += 10) {
      Instant t = T0.plusSeconds(s);
      double min = s / 60.0;
      double temp = 62 + min;
      boolean hot = temp >= 87;
      batch.add(gpu(t, "c2", temp, hot ? 0x20 : 0x0, hot ? (temp - 87) * 60e9 : 0));
      batch.add(gpu(t, "c1", 60, 0x0, 0));
      boolean fault = s >= 120;
      batch.add(loop(t, "c2", 27, fault ? 200 : 600, fault ? 60 : 150));
      batch.add(loop(t, "c1", 27, 600, 150));
    }
    store.write(batch);
  }

  private static Sample gpu(Instant t, String cluster, double temp, long bits, double violationNs) {
    return Sample.of(
        t,
        "gpu",
        Map.of(
            "cluster", cluster, "rack", cluster + "-r1", "device", cluster + "-r1-n1", "gpu", "0"),
        Map.of(
            "temp_c",
            temp,
            "slowdown_temp_c",
            87.0,
            "mem_temp_c",
            70.0,
            "clocks_event_reasons",
            (double) bits,
            "thermal_violation_ns",
            violationNs));
  }

  private static Sample loop(Instant t, String cluster, double supply, double flow, double dp) {
    return Sample.of(
        t,
        "cooling_loop",
        Map.of("cluster", cluster, "device", cluster + "-cdu"),
        Map.of("supply_temp_c", supply, "flow_lpm", flow, "diff_pressure_kpa", dp));
  }

  private Risk c2At(double minutes) {
    return risk.assess(T0.plusSeconds((long) (minutes * 60))).cluster("c2");
  }

  private static double contribution(Risk r, String factor) {
    return r.factors().stream()
        .filter(f -> f.name().equals(factor))
        .mapToDouble(Risk.Factor::contribution)
        .sum();
  }

  @Test
  void riskRisesThroughTheLevelsAsTheLoopFailsAndTheMarginShrinks() {
    // t = 1 min: margin 24 K (≥ 20: the trend does not count yet), loop normal → 0 → OK
    Risk r1 = c2At(1);
    assertThat(r1.level()).isEqualTo(RiskLevel.OK);
    assertThat(r1.score()).isZero();

    // t = 3 min: margin 22 K → 0; flow 200 vs baseline 600 = 66.7 % drop → 30;
    // ΔP 60 vs 150 = 60 % drop → 10; total 40 → WATCH
    Risk r3 = c2At(3);
    assertThat(r3.level()).isEqualTo(RiskLevel.WATCH);
    assertThat(r3.score()).isCloseTo(40, within(1e-9));
    assertThat(r3.factors().getFirst().name()).isEqualTo("coolant_flow_drop");
    assertThat(r3.factors().getFirst().value()).isCloseTo(66.667, within(0.01));

    // t = 10 min: margin 15 K → 0; 15 min to slowdown (≤ 15) → 25; flow 30; ΔP 10 → 65 → WARNING
    Risk r10 = c2At(10);
    assertThat(r10.level()).isEqualTo(RiskLevel.WARNING);
    assertThat(r10.score()).isCloseTo(65, within(1e-6));
    assertThat(contribution(r10, "minutes_to_slowdown")).isEqualTo(25);

    // t = 20 min: margin 5 K → 40 × (15 − 5) / 15 = 26.67; 5 min → 35; flow 30; ΔP 10
    // = 101.67, capped at 100 → CRITICAL, before the GPU has throttled at all
    Risk r20 = c2At(20);
    assertThat(r20.level()).isEqualTo(RiskLevel.CRITICAL);
    assertThat(r20.score()).isEqualTo(100);
    assertThat(contribution(r20, "gpu_margin")).isCloseTo(26.667, within(0.001));
    assertThat(contribution(r20, "thermal_clock_events")).isZero();

    // t = 27 min: 89 °C, bit 0x20 set, violation time growing → CRITICAL with those factors
    Risk r27 = c2At(27);
    assertThat(r27.level()).isEqualTo(RiskLevel.CRITICAL);
    assertThat(r27.factors())
        .extracting(Risk.Factor::name)
        .contains("thermal_clock_events", "thermal_violation_growth");

    // c1 stays OK throughout.
    for (double t : new double[] {1, 3, 10, 20, 27}) {
      var c1 = risk.assess(T0.plusSeconds((long) (t * 60))).cluster("c1");
      assertThat(c1.level()).isEqualTo(RiskLevel.OK);
    }
  }

  @Test
  void theMinutesToSlowdownFollowTheMarginsTrendWithinTenPercent() {
    // Margin = 25 − t K, shrinking 1 K/min: at t = 10 it is 15 K → 15 min to slowdown;
    // at t = 20, 5 K → 5 min. The least-squares slope over 10 min is −1 K/min.
    assertThat(c2At(10).minutesToSlowdown()).isCloseTo(15, within(1.5));
    assertThat(c2At(20).minutesToSlowdown()).isCloseTo(5, within(0.5));
    var report = risk.assess(T0.plusSeconds(600));
    assertThat(report.racks())
        .filteredOn(r -> r.id().equals("c2-r1"))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.level()).isEqualTo(RiskLevel.WARNING);
              assertThat(r.gpusByLevel()).containsEntry(RiskLevel.WARNING, 1);
            });
    assertThat(report.gpus()).extracting(Risk::id).contains("c2-r1-n1/gpu0", "c1-r1-n1/gpu0");
    // A steady GPU predicts nothing.
    assertThat(report.cluster("c1").minutesToSlowdown()).isNull();
  }

  /**
   * A GPU without a margin says why: c3-r1-n1 sends a temperature and no threshold (NO_THRESHOLD);
   * 3 min after the scenario's last reading (+30 min) every GPU's newest reading is older than the
   * 2 min that count as current (STALE). A GPU with a margin has no reason.
   */
  @Test
  void aGpuWithoutAMarginSaysWhy() {
    store.write(
        List.of(
            Sample.of(
                T0,
                "gpu",
                Map.of("cluster", "c3", "rack", "c3-r1", "device", "c3-r1-n1", "gpu", "0"),
                Map.of("temp_c", 60.0))));
    var now = risk.assess(T0);
    assertThat(now.gpus())
        .filteredOn(g -> g.id().equals("c3-r1-n1/gpu0"))
        .singleElement()
        .satisfies(g -> assertThat(g.noMargin()).isEqualTo(Risk.NoMargin.NO_THRESHOLD));
    assertThat(now.gpus())
        .filteredOn(g -> g.id().equals("c1-r1-n1/gpu0"))
        .singleElement()
        .satisfies(g -> assertThat(g.noMargin()).isNull());
    var late = risk.assess(T0.plusSeconds(1800 + 180));
    assertThat(late.gpus())
        .filteredOn(g -> g.cluster().equals("c1") || g.cluster().equals("c2"))
        .extracting(Risk::noMargin)
        .containsOnly(Risk.NoMargin.STALE);
  }

  /**
   * Each temperature counts against the slowdown threshold in force when it was read: c4's GPU
   * reads 70 °C every 10 s over the 10 minutes before T0; its threshold is reported only at −5 min
   * (87 °C) and −2 min (80 °C). Readings before the first threshold take the first. So the margin
   * is 17 K for the 48 readings before −2 min and 10 K for the 13 from −2 min on: least-squares
   * slope −0.69297 K/min (stdlib Python over those 61 points), 10 / 0.69297 = 14.43 min to slowdown
   * (≤ 15 → 25 points); margin 10 K → 40 × (15 − 10) / 15 = 13.33 points.
   */
  @Test
  void eachTemperatureCountsAgainstTheThresholdInForceWhenItWasRead() {
    var tags = Map.of("cluster", "c4", "rack", "c4-r1", "device", "c4-r1-n1", "gpu", "0");
    var batch = new ArrayList<Sample>();
    for (int s = -600; s <= 0; s += 10) {
      batch.add(Sample.of(T0.plusSeconds(s), "gpu", tags, Map.of("temp_c", 70.0)));
    }
    batch.add(Sample.of(T0.plusSeconds(-300), "gpu", tags, Map.of("slowdown_temp_c", 87.0)));
    batch.add(Sample.of(T0.plusSeconds(-120), "gpu", tags, Map.of("slowdown_temp_c", 80.0)));
    store.write(batch);

    Risk c4 = risk.assess(T0).cluster("c4");

    assertThat(c4.factors())
        .filteredOn(f -> f.name().equals("gpu_margin"))
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.value()).isEqualTo(10.0);
              assertThat(f.contribution()).isCloseTo(13.333, within(0.001));
            });
    assertThat(c4.minutesToSlowdown()).isCloseTo(14.4307, within(0.001));
    assertThat(contribution(c4, "minutes_to_slowdown")).isEqualTo(25);
  }

  /** A report assessed at most maxAge ago is the answer; an older one is assessed again. */
  @Test
  void aRecentReportIsReusedWithinItsMaxAge() {
    var first = risk.recent(T0, Duration.ofSeconds(10));
    assertThat(first.at()).isEqualTo(T0);
    assertThat(risk.recent(T0.plusSeconds(10), Duration.ofSeconds(10))).isSameAs(first);
    var next = risk.recent(T0.plusSeconds(11), Duration.ofSeconds(10));
    assertThat(next).isNotSameAs(first);
    assertThat(next.at()).isEqualTo(T0.plusSeconds(11));
    // A report from after the time asked for is not reused either.
    assertThat(risk.recent(T0, Duration.ofSeconds(10)).at()).isEqualTo(T0);
  }

  @Test
  void aLeastSquaresSlopeSmoothsNoise() {
    // Margin 20, 19.5, 19, … with ±0.3 K alternating noise: slope stays close to −0.5 K/min.
    var pts = new ArrayList<double[]>();
    for (int i = 0; i <= 60; i++) {
      pts.add(new double[] {i * 10_000.0, 20 - 0.5 * i / 6.0 + (i % 2 == 0 ? 0.3 : -0.3)});
    }
    assertThat(RiskEngine.slopePerMinute(pts)).isCloseTo(-0.5, within(0.05));
  }
}
