package io.kilowatch.analytics.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kilowatch.analytics.Analytics;
import io.kilowatch.config.AnalyticsConfig;
import io.kilowatch.config.Cluster;
import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.EnergyModel;
import io.kilowatch.config.EnergyModel.Channel;
import io.kilowatch.config.Location;
import io.kilowatch.config.Rack;
import io.kilowatch.config.Site;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.config.StoreConfig;
import io.kilowatch.config.WebConfig;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
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

/**
 * A synthetic July 2026 (744 h, UTC) with readings every 5 minutes, worked out by hand.
 *
 * <ul>
 *   <li>main (facility) counter 100 kWh/h; reset at day 10 (the reading at 216 h holds the 8.333
 *       kWh since the restart, 5 min earlier): E_DC = 744 × 100 = 74,400 kWh, 1 reset
 *   <li>chiller (cooling, unassigned) 15 kWh/h: 11,160 kWh
 *   <li>c1-pdu 50 kWh/h: 37,200 kWh
 *   <li>c2-pdu 30 kWh/h with a 6 h gap (no readings between 480 h and 486 h, not bridged): 22,320 −
 *       180 = 22,140 kWh
 * </ul>
 */
class ReportBuilderTest {
  static final Instant FROM = Instant.parse("2026-07-01T00:00:00Z");
  static final Instant TO = Instant.parse("2026-08-01T00:00:00Z");
  static final int HOURS = 744;

  @TempDir Path dir;
  Store store;
  SiteConfig site;

  @BeforeEach
  void setUp() throws Exception {
    store = EmbeddedStore.open(StoreConfig.embedded(dir));
    site = site(dir);
    writeMonth(store);
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  static SiteConfig site(Path dir) throws Exception {
    // Grid intensity as a typical day: 100 + 10 × h g/kWh, h = 0..23 (Σ = 5,160 g/kWh·h).
    var csv = new ArrayList<String>(List.of("hour,g_per_kwh"));
    for (int h = 0; h < 24; h++) {
      csv.add(h + "," + (100 + 10 * h));
    }
    Path profile = Files.write(dir.resolve("intensity.csv"), csv);
    var analytics =
        new AnalyticsConfig(
            Duration.ofMinutes(10),
            0.9,
            null,
            Duration.ofMinutes(5),
            Map.of(),
            95,
            new AnalyticsConfig.CarbonConfig(
                new AnalyticsConfig.IntensitySource.CsvProfile(profile),
                null,
                400.0,
                List.of(),
                Duration.ofSeconds(2)),
            null,
            null,
            new AnalyticsConfig.Declared(
                0.35,
                null,
                new AnalyticsConfig.EedDeclared(
                    800.0, 1200.0, null, null, null, null, null, null, 24.0)));
    return io.kilowatch.testkit.TestSites.withMeterProfile(
            new SiteConfig(
                null,
                new Site("test", ZoneOffset.UTC, null, null),
                StoreConfig.embedded(dir.resolve("store")),
                WebConfig.DEFAULT,
                List.of(),
                List.of(cluster("c1"), cluster("c2")),
                List.of(
                    device("main", DeviceKind.METER, Location.FACILITY),
                    device("chiller", DeviceKind.METER, Location.FACILITY)),
                new EnergyModel(
                    EnergyModel.ItLevel.PDU_OUTPUT,
                    List.of(new Channel("main", null, null, "energy_kwh", "power_w")),
                    List.of(new Channel(null, DeviceKind.PDU, null, "energy_kwh", "power_w")),
                    List.of(new Channel("chiller", null, null, "energy_kwh", "power_w")),
                    List.of(),
                    List.of())))
        .withAnalytics(analytics);
  }

  static Device device(String id, DeviceKind kind, Location loc) {
    return new Device(
        id,
        kind,
        loc,
        null,
        new Source.Modbus("127.0.0.1", 502, 1),
        Duration.ofSeconds(300),
        Duration.ofSeconds(2),
        Map.of());
  }

  static Cluster cluster(String id) {
    var pdu = device(id + "-pdu", DeviceKind.PDU, new Location(id, id + "-r1"));
    return new Cluster(id, id, List.of(new Rack(id + "-r1", List.of(pdu))), List.of());
  }

  static Sample sample(String measurement, String device, long second, double v) {
    return Sample.of(
        Instant.ofEpochSecond(second),
        measurement,
        Map.of("site", "test", "device", device),
        Map.of("energy_kwh", v));
  }

  static void writeMonth(Store store) {
    var batch = new ArrayList<Sample>();
    for (int t = 0; t <= HOURS * 3600; t += 300) {
      double h = t / 3600.0;
      long s = FROM.getEpochSecond() + t;
      // The meter restarted from zero just after the 215:55 reading.
      double main = h < 216 ? 1000 + 100 * h : 100 * (h - (216 - 5 / 60.0));
      batch.add(sample("meter", "main", s, main));
      batch.add(sample("meter", "chiller", s, 300 + 15 * h));
      batch.add(sample("pdu", "c1-pdu", s, 10 + 50 * h));
      if (h <= 480 || h >= 486) {
        batch.add(sample("pdu", "c2-pdu", s, 20 + 30 * h));
      }
      if (batch.size() > 4000) {
        store.write(batch);
        batch.clear();
      }
    }
    store.write(batch);
  }

  static ReportBuilder builder(SiteConfig site, Store store) {
    var clock = Clock.fixed(Instant.parse("2026-09-01T00:00:00Z"), ZoneOffset.UTC);
    return new ReportBuilder(
        new Analytics(site, store, clock),
        store,
        "test-version",
        ReportBuilder.sha256(new byte[0]));
  }

  @Test
  void headlineFiguresMatchTheHandComputedMonth() {
    var progress = new ArrayList<String>();
    Report r = builder(site, store).build(FROM, TO, null, (d, t, w) -> progress.add(d + "/" + t));
    var h = r.headline();
    assertThat(h.facilityKwh()).isCloseTo(74_400, within(1e-6));
    // R1: c2's PDU counter kept counting through its 6-hour gap (h 480 → 486), so its energy is
    // known there: E_IT = 50 × 744 + 30 × 744 = 59,520. The main meter's restart at 216 h is a
    // reset without a power series: filled with what the new register counted (8.333 kWh, i.e.
    // the 5 minutes at 100 kWh/h), so E_DC stays 100 × 744 = 74,400.
    assertThat(h.itKwh()).isCloseTo(59_520, within(1e-6));
    assertThat(h.coolingKwh()).isCloseTo(11_160, within(1e-6));
    // No loss meter: E_losses = E_DC − E_IT − cooling = 74,400 − 59,520 − 11,160 = 3,720
    assertThat(h.lossesKwh()).isCloseTo(3_720, within(1e-6));
    assertThat(h.powerDeliveryDerived()).isTrue();
    // PUE = 74,400 / 59,520 = 1.25; pPUE cooling = 70,680 / 59,520; power delivery 63,240 / 59,520
    assertThat(h.pueStatus()).isEqualTo("OK");
    assertThat(h.pue()).isCloseTo(1.25, within(1e-9));
    assertThat(h.ppueCooling()).isCloseTo(70_680.0 / 59_520, within(1e-9));
    assertThat(h.ppuePowerDelivery()).isCloseTo(63_240.0 / 59_520, within(1e-9));
    assertThat(h.pueCategory()).isEqualTo(2);
    // Peak and mean: both PDUs every hour, 80 kW
    assertThat(h.peakItKw()).isCloseTo(80, within(1e-6));
    assertThat(h.meanItKw()).isCloseTo(80, within(1e-9));

    // Location: Σ_h 100 kWh × (100 + 10h) / 1000 = 31 days × 516 kg = 15,996 kg
    // Market: no instruments, everything at the residual mix 400 g/kWh: 74,400 × 0.4 = 29,760 kg
    var c = r.carbon();
    assertThat(c.locationKg()).isCloseTo(15_996, within(1e-6));
    assertThat(c.marketKg()).isCloseTo(29_760, within(1e-6));
    assertThat(c.cueLocation()).isCloseTo(15_996.0 / 59_520, within(1e-9));
    assertThat(c.cueMarket()).isCloseTo(29_760.0 / 59_520, within(1e-9));
    assertThat(c.intensityCoverage()).isEqualTo(1.0);
    assertThat(c.sourceHours()).isEqualTo(744);
    assertThat(c.wue()).isEqualTo(0.35);
    assertThat(c.wueBasis()).isEqualTo("declared");

    var eed = new java.util.HashMap<String, Report.EedField>();
    r.eed().forEach(e -> eed.put(e.id(), e));
    assertThat(eed.get("installed_it_power").value()).isEqualTo(800.0);
    assertThat(eed.get("installed_it_power").basis()).isEqualTo("declared");
    assertThat(eed.get("intake_air_setpoint").value()).isEqualTo(24.0);
    assertThat(eed.get("computer_room_area").basis()).isEqualTo("not-available");
    assertThat(eed.get("computer_room_area").value()).isNull();
    assertThat(eed.get("e_dc").basis()).isEqualTo("measured");
    assertThat(eed.get("pue").basis()).isEqualTo("computed");
    assertThat(eed.get("wue").basis()).isEqualTo("declared");

    assertThat(r.months()).hasSize(1);
    assertThat(r.months().getFirst().facilityKwh()).isCloseTo(74_400, within(1e-6));
    // Energy-weighted mean intensity of a flat load: the mean of the profile, 215 g/kWh
    assertThat(r.months().getFirst().intensityGPerKwh()).isCloseTo(215, within(1e-9));

    var meters = r.meters();
    var main = meters.stream().filter(m -> m.device().equals("main")).findFirst().orElseThrow();
    assertThat(main.resets()).isEqualTo(1);
    assertThat(main.kwh()).isCloseTo(74_400, within(1e-6));
    assertThat(main.applied().resets().getFirst().rule()).isEqualTo("new-register");
    assertThat(main.applied().resets().getFirst().kwh()).isCloseTo(100 * 5 / 60.0, within(1e-9));
    var c2 = meters.stream().filter(m -> m.device().equals("c2-pdu")).findFirst().orElseThrow();
    // The gap is bridged (a counter), not left: 1 gap of 360 minutes, energy known.
    assertThat(c2.gaps()).isZero();
    assertThat(c2.applied().gapsBridged()).isEqualTo(1);
    assertThat(c2.applied().gapsBridgedMinutes()).isCloseTo(360, within(1e-9));
    assertThat(c2.kwh()).isCloseTo(22_320, within(1e-6));
    assertThat(c2.coverage()).isEqualTo(1.0);
    assertThat(r.provenance().inputSeries()).isEqualTo(4);
    // 8,929 readings × 4 series − the 71 c2 readings inside the gap
    assertThat(r.provenance().inputPoints()).isEqualTo(4 * 8929 - 71);
    assertThat(progress).containsExactly("1/3", "2/3", "3/3");
    // Facility and IT are known all the time (counters, R1): coverage of T is 1.0
    assertThat(h.coverage()).isCloseTo(1.0, within(1e-12));

    // Clusters (whole period): overhead O = 74,400 − 59,520 = 14,880 split by IT energy
    //   c1 share = 37,200 + 14,880 × 0.625 = 46,500; each hour c1 62.5 and c2 37.5 kWh of E_DC
    //   c1 location = 62.5 × 31 × 5,160 / 1000 = 9,997.5 kg; c2 = 37.5 × 159.96 = 5,998.5 kg
    var c1 = r.clusters().get(0);
    var c2r = r.clusters().get(1);
    assertThat(c1.cluster()).isEqualTo("c1");
    assertThat(c1.itKwh()).isCloseTo(37_200, within(1e-6));
    assertThat(c1.facilityShareKwh()).isCloseTo(46_500, within(1e-6));
    assertThat(c1.locationKg()).isCloseTo(9_997.5, within(1e-6));
    assertThat(c2r.itKwh()).isCloseTo(22_320, within(1e-6));
    assertThat(c2r.locationKg()).isCloseTo(5_998.5, within(1e-6));
    assertThat(c1.locationKg() + c2r.locationKg()).isCloseTo(c.locationKg(), within(1e-6));
  }

  @Test
  void twoRunsGiveByteIdenticalCsvAndJson() {
    Report a = builder(site, store).build(FROM, TO, null, ReportBuilder.Progress.NONE);
    Report b = builder(site, store).build(FROM, TO, null, ReportBuilder.Progress.NONE);
    assertThat(CanonicalText.csv(b)).isEqualTo(CanonicalText.csv(a));
    assertThat(CanonicalText.json(b)).isEqualTo(CanonicalText.json(a));
    // The label column comes last, from the labels table, so the first six keep their place.
    assertThat(CanonicalText.csv(a))
        .startsWith(CanonicalText.CSV_HEADER + ",label\n")
        .contains(
            "headline,site,e_dc,74400.000000000,kWh,measured,Total data centre energy consumption\n")
        .contains(
            "eed,e_it,value,59520.000000000,kWh,measured,Total energy consumption of the"
                + " information technology equipment\n");
    assertThat(CanonicalText.json(a))
        .contains(
            "{\"basis\": \"measured\", \"field\": \"e_it\","
                + " \"label\": \"IT equipment energy consumption\", \"scope\": \"site\","
                + " \"section\": \"headline\", \"unit\": \"kWh\", \"value\": 59520.000000000}");
  }

  @Test
  void verifyMatchesUnchangedDataAndDetectsAChangedReading() throws Exception {
    var builder = builder(site, store);
    Report r = builder.build(FROM, TO, null, ReportBuilder.Progress.NONE);
    var files = new ArrayList<Path>();
    for (var f : ReportFormat.values()) {
      Path file = dir.resolve("report." + f.extension());
      try (var out = Files.newOutputStream(file)) {
        ReportWriter.write(r, f, out);
      }
      files.add(file);
    }
    for (Path file : files) {
      var v =
          ReportVerifier.verify(
              file, (ft, c) -> builder.build(ft[0], ft[1], c, ReportBuilder.Progress.NONE));
      assertThat(v.matches()).as(file.toString()).isTrue();
      assertThat(v.differences()).isEmpty();
    }
    // A CSV or JSON written before the label column/field verifies as it did.
    for (var old :
        List.of(
            Files.writeString(dir.resolve("old.csv"), CanonicalText.csv(r, false)),
            Files.writeString(dir.resolve("old.json"), CanonicalText.json(r, false)))) {
      var v =
          ReportVerifier.verify(
              old, (ft, c) -> builder.build(ft[0], ft[1], c, ReportBuilder.Progress.NONE));
      assertThat(v.differences()).as(old.toString()).isEmpty();
      assertThat(v.matches()).isTrue();
    }
    // One extra c1 reading half-way between two others, 10 kWh above the line: E_IT rises by 10.
    long s = FROM.getEpochSecond() + 100 * 3600 + 150;
    store.write(List.of(sample("pdu", "c1-pdu", s, 10 + 50 * (100 + 150 / 3600.0) + 10)));
    for (Path file : files) {
      var v =
          ReportVerifier.verify(
              file,
              (ft, c) -> builder(site, store).build(ft[0], ft[1], c, ReportBuilder.Progress.NONE));
      assertThat(v.matches()).as(file.toString()).isFalse();
      assertThat(v.inputMatch()).isFalse();
      assertThat(v.figuresMatch()).isFalse();
      assertThat(String.join("\n", v.differences())).contains("e_it");
    }
  }
}
