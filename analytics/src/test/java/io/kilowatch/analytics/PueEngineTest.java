package io.kilowatch.analytics;

import static io.kilowatch.analytics.TestSites.device;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kilowatch.config.AnalyticsConfig;
import io.kilowatch.config.Cluster;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.EnergyModel;
import io.kilowatch.config.EnergyModel.Channel;
import io.kilowatch.config.Location;
import io.kilowatch.config.Rack;
import io.kilowatch.config.StoreConfig;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Site and per-cluster PUE from energy counters, checked against vectors worked out by hand. */
class PueEngineTest {
  static final Duration HOUR = Duration.ofHours(1);

  @TempDir Path dir;
  Store store;
  PueEngine pue;

  @BeforeEach
  void setUp() {
    store = EmbeddedStore.open(StoreConfig.embedded(dir));
    var site =
        TestSites.site(
            dir,
            ZoneOffset.UTC,
            List.of(),
            List.of(cluster("c1"), cluster("c2")),
            List.of(
                device("main", DeviceKind.METER, Location.FACILITY, null, 60),
                device("plant", DeviceKind.METER, Location.FACILITY, null, 60)),
            new EnergyModel(
                EnergyModel.ItLevel.PDU_OUTPUT,
                List.of(new Channel("main", null, null, "energy_kwh", "power_w")),
                List.of(new Channel(null, DeviceKind.PDU, null, "energy_kwh", "power_w")),
                List.of(
                    new Channel("plant", null, null, "energy_kwh", "power_w"),
                    new Channel(null, DeviceKind.CDU, null, "energy_kwh", "power_w")),
                List.of(),
                List.of()),
            AnalyticsConfig.DEFAULT);
    pue = new PueEngine(new EnergyEngine(site, store));
  }

  private static Cluster cluster(String id) {
    var rack =
        new Rack(
            id + "-r1",
            List.of(device(id + "-pdu", DeviceKind.PDU, new Location(id, id + "-r1"), null, 60)));
    return new Cluster(
        id,
        id,
        List.of(rack),
        List.of(device(id + "-cdu", DeviceKind.CDU, new Location(id, null), null, 60)));
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  /** Counters read every minute over [0, hours], growing by the given kWh per hour. */
  private void meter(String measurement, String device, double perHour, int hours, double start) {
    var batch = new java.util.ArrayList<io.kilowatch.store.Sample>();
    for (int t = 0; t <= hours * 3600; t += 60) {
      batch.add(
          TestSites.sample(measurement, device, t, "energy_kwh", start + perHour * t / 3600.0));
    }
    store.write(batch);
  }

  @Test
  void clusterPuesWeightedByItEnergyAddBackUpToTheSitePue() {
    // Per hour (kWh): main 134; IT: c1-pdu 60, c2-pdu 40; cooling: c1-cdu 6, c2-cdu 8, plant 10.
    // Over 2 h: E_DC = 268, E_IT = 200 → PUE = 1.34, category 2 (PDU output).
    // pPUE cooling = (200 + 2 × (6 + 8 + 10)) / 200 = 248 / 200 = 1.24
    // no loss meter: losses derived = 268 − 200 − 48 = 20 → pPUE power delivery = 220/200 = 1.10
    // Shared overhead O = 268 − 200 − (12 + 16) = 40, split by IT share (0.6 / 0.4):
    //   c1 = (120 + 12 + 24) / 120 = 156 / 120 = 1.30
    //   c2 = ( 80 + 16 + 16) /  80 = 112 /  80 = 1.40
    //   IT-weighted: (120 × 1.30 + 80 × 1.40) / 200 = 268 / 200 = 1.34 = site PUE
    meter("meter", "main", 134, 2, 5000);
    meter("pdu", "c1-pdu", 60, 2, 100);
    meter("pdu", "c2-pdu", 40, 2, 200);
    meter("cdu", "c1-cdu", 6, 2, 10);
    meter("cdu", "c2-cdu", 8, 2, 20);
    meter("meter", "plant", 10, 2, 300);
    var r = pue.compute(Instant.EPOCH, Instant.ofEpochSecond(7200), new StepPlan.Step.Fixed(HOUR));

    assertThat(r.category()).isEqualTo(2);
    assertThat(r.itLevel()).isEqualTo("pdu-output");
    assertThat(r.window().status()).isEqualTo(KpiStatus.OK);
    assertThat(r.window().facilityKwh()).isCloseTo(268, within(1e-6));
    assertThat(r.window().itKwh()).isCloseTo(200, within(1e-6));
    assertThat(r.window().pue()).isCloseTo(1.34, within(1e-9));
    assertThat(r.window().ppueCooling()).isCloseTo(1.24, within(1e-9));
    assertThat(r.window().ppuePowerDelivery()).isCloseTo(1.10, within(1e-9));
    assertThat(r.window().powerDeliveryDerived()).isTrue();
    assertThat(r.steps()).hasSize(2);
    assertThat(r.steps()).allSatisfy(s -> assertThat(s.pue()).isCloseTo(1.34, within(1e-9)));

    var byId =
        r.clusters().stream()
            .collect(java.util.stream.Collectors.toMap(PueReport.ClusterPue::cluster, c -> c));
    assertThat(byId).containsOnlyKeys("c1", "c2");
    assertThat(byId.get("c1").pue()).isCloseTo(1.30, within(1e-9));
    assertThat(byId.get("c2").pue()).isCloseTo(1.40, within(1e-9));
    assertThat(byId.get("c2").coolingKwh()).isCloseTo(16, within(1e-9));
    double weighted =
        r.clusters().stream().mapToDouble(c -> c.itKwh() * c.pue()).sum() / r.window().itKwh();
    assertThat(weighted).isCloseTo(r.window().pue(), within(1e-9));
  }

  @Test
  void aPueBelowOneOrWithoutItEnergyOrWithLowCoverageIsFlaggedNeverANumber() {
    // Hour 1: main 50 kWh, IT 100 kWh → 0.5: impossible, BELOW_ONE.
    // Hour 2: IT counters flat (0 kWh) → NO_IT_ENERGY.
    // Hour 3: every meter stops after its first 20 minutes, so only [2:00, 2:20] is known:
    // coverage 1/3 < 0.9 → LOW_COVERAGE. (A counter gap with a reading after it would be known
    // whole: R1.)
    var batch = new java.util.ArrayList<io.kilowatch.store.Sample>();
    for (int t = 0; t <= 3 * 3600; t += 60) {
      if (t > 2 * 3600 + 1200) {
        continue;
      }
      double h = Math.min(t, 3600) / 3600.0;
      double h3 = Math.max(0, t - 7200) / 3600.0;
      double main = 1000 + 50 * h + 20 * Math.max(0, t - 3600) / 3600.0;
      batch.add(TestSites.sample("meter", "main", t, "energy_kwh", main));
      batch.add(TestSites.sample("pdu", "c1-pdu", t, "energy_kwh", 100 + 60 * h + 10 * h3));
      batch.add(TestSites.sample("pdu", "c2-pdu", t, "energy_kwh", 100 + 40 * h + 10 * h3));
    }
    store.write(batch);
    var r =
        pue.compute(Instant.EPOCH, Instant.ofEpochSecond(3 * 3600), new StepPlan.Step.Fixed(HOUR));
    assertThat(r.steps().get(0).status()).isEqualTo(KpiStatus.BELOW_ONE);
    assertThat(r.steps().get(1).status()).isEqualTo(KpiStatus.NO_IT_ENERGY);
    assertThat(r.steps().get(2).status()).isEqualTo(KpiStatus.LOW_COVERAGE);
    assertThat(r.steps()).allSatisfy(s -> assertThat(s.pue()).isNull());
    assertThat(r.window().pue()).isNull();
    assertThat(r.steps().get(0).itKwh()).isCloseTo(100, within(1e-6));
  }

  @Test
  void theCategoryFollowsWhereItEnergyIsMetered() {
    for (var level : EnergyModel.ItLevel.values()) {
      int expected =
          switch (level) {
            case UPS_OUTPUT -> 1;
            case PDU_OUTPUT -> 2;
            case IT_INPUT -> 3;
          };
      assertThat(level.category()).isEqualTo(expected);
    }
    // A report says its category alongside every value, even when there is no data.
    var r = pue.compute(Instant.EPOCH, Instant.ofEpochSecond(3600), new StepPlan.Step.Whole());
    assertThat(r.category()).isEqualTo(2);
    assertThat(r.window().status()).isEqualTo(KpiStatus.NO_DATA);
    assertThat(r.clusters()).extracting(PueReport.ClusterPue::cluster).contains("c1", "c2");
  }
}
