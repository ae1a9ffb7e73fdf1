package io.kilowatch.analytics;

import static io.kilowatch.analytics.TestSites.device;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kilowatch.analytics.carbon.CsvIntensity;
import io.kilowatch.analytics.carbon.IntensityCache;
import io.kilowatch.config.AnalyticsConfig;
import io.kilowatch.config.AnalyticsConfig.CarbonConfig;
import io.kilowatch.config.AnalyticsConfig.Granularity;
import io.kilowatch.config.AnalyticsConfig.Instrument;
import io.kilowatch.config.AnalyticsConfig.InstrumentKind;
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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Location- and market-based emissions over a day with hourly intensity, worked out by hand. */
class CarbonEngineTest {
  static final Instant DAY = Instant.parse("2026-07-01T00:00:00Z");

  @TempDir Path dir;
  Store store;
  CarbonEngine carbon;

  @BeforeEach
  void setUp() {
    store = EmbeddedStore.open(StoreConfig.embedded(dir));
    carbon = engine(null);
  }

  /** The test site; {@code water} is the water meter, or null to use the declared WUE. */
  private CarbonEngine engine(AnalyticsConfig.Meter water) {
    // PPA: 0.04 MWh in each hour 08:00–16:00, renewable, 0 g/kWh.
    // Certificates (GoO): 37.2 MWh per month (July: 744 h), renewable, 0 g/kWh.
    // Residual mix: 400 g/kWh.
    var instruments =
        List.of(
            new Instrument(
                "certificates",
                InstrumentKind.CERTIFICATE,
                Instant.parse("2026-01-01T00:00:00Z"),
                Instant.parse("2027-01-01T00:00:00Z"),
                Granularity.MONTH,
                37.2,
                0,
                true),
            new Instrument(
                "solar-ppa",
                InstrumentKind.PPA,
                DAY.plus(Duration.ofHours(8)),
                DAY.plus(Duration.ofHours(16)),
                Granularity.HOUR,
                0.04,
                0,
                true));
    var analytics =
        new AnalyticsConfig(
            Duration.ofMinutes(5),
            0.9,
            null,
            Duration.ofMinutes(5),
            Map.of(),
            95,
            new CarbonConfig(null, null, 400.0, instruments, Duration.ofSeconds(2)),
            water,
            new AnalyticsConfig.Meter("heat", "reuse_kwh"),
            new AnalyticsConfig.Declared(0.35, null));
    var site =
        TestSites.site(
            dir,
            ZoneOffset.UTC,
            List.of(),
            List.of(cluster("c1"), cluster("c2")),
            List.of(
                device("main", DeviceKind.METER, Location.FACILITY, null, 60),
                device("water", DeviceKind.METER, Location.FACILITY, null, 60),
                device("heat", DeviceKind.METER, Location.FACILITY, null, 60)),
            new EnergyModel(
                EnergyModel.ItLevel.PDU_OUTPUT,
                List.of(new Channel("main", null, null, "energy_kwh", "power_w")),
                List.of(new Channel(null, DeviceKind.PDU, null, "energy_kwh", "power_w")),
                List.of(),
                List.of(),
                List.of()),
            analytics);
    // Hourly grid intensity for the day: 100 + 10 × h g/kWh, h = 0..23 (mean 215).
    var csv = new ArrayList<String>(List.of("timestamp,g_per_kwh"));
    for (int h = 0; h < 24; h++) {
      csv.add(DAY.plus(Duration.ofHours(h)) + "," + (100 + 10 * h));
    }
    var cache =
        new IntensityCache(
            CsvIntensity.parse(csv, ZoneOffset.UTC), null, Clock.systemUTC(), Duration.ZERO);
    var energy = new EnergyEngine(site, store);
    return new CarbonEngine(energy, new PueEngine(energy), cache);
  }

  private static Cluster cluster(String id) {
    var pdu = device(id + "-pdu", DeviceKind.PDU, new Location(id, id + "-r1"), null, 60);
    return new Cluster(id, id, List.of(new Rack(id + "-r1", List.of(pdu))), List.of());
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  /**
   * A day of readings every minute. Per hour: E_DC 100 kWh (main), IT 80 kWh (c1-pdu 50, c2-pdu
   * 30), water 1 m³, reused heat 10 kWh.
   */
  private void writeDay() {
    var batch = new ArrayList<io.kilowatch.store.Sample>();
    for (int t = 0; t <= 24 * 3600; t += 60) {
      double h = t / 3600.0;
      long s = DAY.getEpochSecond() + t;
      batch.add(TestSites.sample("meter", "main", s, "energy_kwh", 1000 + 100 * h));
      batch.add(TestSites.sample("pdu", "c1-pdu", s, "energy_kwh", 10 + 50 * h));
      batch.add(TestSites.sample("pdu", "c2-pdu", s, "energy_kwh", 20 + 30 * h));
      batch.add(TestSites.sample("meter", "water", s, "water_m3", 500 + h));
      batch.add(TestSites.sample("meter", "heat", s, "reuse_kwh", 70 + 10 * h));
    }
    store.write(batch);
  }

  @Test
  void wueAndErfAreMeasuredWhereMetersExist() {
    // Water 24 m³ = 24,000 L over E_IT 1,920 kWh → WUE 12.5 L/kWh (measured, not the declared 0.35)
    // Reused heat 240 kWh over E_DC 2,400 kWh → ERF 0.1
    writeDay();
    var t =
        engine(new AnalyticsConfig.Meter("water", "water_m3"))
            .compute(DAY, DAY.plus(Duration.ofDays(1)), new StepPlan.Step.Whole())
            .totals();
    assertThat(t.wue().value()).isCloseTo(12.5, within(1e-9));
    assertThat(t.wue().basis()).isEqualTo("measured");
    assertThat(t.erf().value()).isCloseTo(0.1, within(1e-9));
    assertThat(t.erf().basis()).isEqualTo("measured");
  }

  @Test
  void locationAndMarketBasedEmissionsOverADayMatchTheHandComputedVector() {
    // Energy every hour: E_DC = 100 kWh (main), IT = 80 kWh (c1-pdu 50, c2-pdu 30).
    // Location: Σ_h 100 × (100 + 10h) / 1000 = 0.1 × (2400 + 10 × 276) = 516 kg
    // Market, hour by hour:
    //   08–16 h: PPA 40 kWh at 0; certificates: 37,200 kWh × 24 h / 744 h = 1,200 kWh for the day,
    //            spread by energy = 50 kWh each hour at 0; residual 100 − 40 − 50 = 10 kWh
    //   other 16 hours: certificates 50 kWh; residual 50 kWh
    //   residual energy 8 × 10 + 16 × 50 = 880 kWh × 400 g/kWh = 352 kg
    // Renewable: 8 × 40 + 24 × 50 = 1,520 kWh → REF = 1520 / 2400 = 0.6333…
    // CUE (location) = 516 / 1920 = 0.26875 kgCO2e/kWh; market = 352 / 1920 = 0.183333…
    // Clusters (no cooling; overhead 20 kWh/h split 50:30): c1 62.5 kWh/h, c2 37.5 kWh/h
    //   c1 location = 0.625 × 516 = 322.5 kg, c2 = 0.375 × 516 = 193.5 kg
    writeDay();
    var r =
        carbon.compute(
            DAY, DAY.plus(Duration.ofDays(1)), new StepPlan.Step.Fixed(Duration.ofHours(1)));
    var t = r.totals();
    assertThat(t.status()).isEqualTo(KpiStatus.OK);
    assertThat(t.facilityKwh()).isCloseTo(2400, within(1e-6));
    assertThat(t.locationKg()).isCloseTo(516, within(1e-6));
    assertThat(t.marketKg()).isCloseTo(352, within(1e-6));
    assertThat(t.renewableKwh()).isCloseTo(1520, within(1e-6));
    assertThat(t.ref()).isCloseTo(1520.0 / 2400, within(1e-9));
    assertThat(t.cueLocation()).isCloseTo(0.26875, within(1e-9));
    assertThat(t.cueMarket()).isCloseTo(352.0 / 1920, within(1e-9));
    assertThat(t.wue().value()).isEqualTo(0.35);
    assertThat(t.wue().basis()).isEqualTo("declared");
    // Reused heat 240 kWh / E_DC 2,400 kWh
    assertThat(t.erf().value()).isCloseTo(0.1, within(1e-9));
    // Hour 10: location 100 × 200 / 1000 = 20 kg; market 10 kWh × 0.4 = 4 kg.
    assertThat(r.steps()).hasSize(24);
    assertThat(r.steps().get(10).locationKg()).isCloseTo(20, within(1e-6));
    assertThat(r.steps().get(10).marketKg()).isCloseTo(4, within(1e-6));
    assertThat(r.steps().get(10).intensityGPerKwh()).isCloseTo(200, within(1e-9));
    var byId =
        r.clusters().stream()
            .collect(Collectors.toMap(CarbonReport.ClusterCarbon::cluster, c -> c));
    assertThat(byId.get("c1").locationKg()).isCloseTo(322.5, within(1e-6));
    assertThat(byId.get("c2").locationKg()).isCloseTo(193.5, within(1e-6));
    assertThat(byId.get("c1").marketKg() + byId.get("c2").marketKg()).isCloseTo(352, within(1e-6));
    assertThat(r.intensity().sourceHours()).isEqualTo(24);

    // The same day as one step gives the same totals.
    var whole = carbon.compute(DAY, DAY.plus(Duration.ofDays(1)), new StepPlan.Step.Day());
    assertThat(whole.steps()).hasSize(1);
    assertThat(whole.steps().getFirst().locationKg()).isCloseTo(516, within(1e-6));
    assertThat(whole.steps().getFirst().intensityGPerKwh()).isCloseTo(215, within(1e-9));
  }
}
