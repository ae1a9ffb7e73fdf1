package io.kilowatch.analytics.report;

import static org.assertj.core.api.Assertions.assertThat;

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
import io.kilowatch.simulator.DemoOptions;
import io.kilowatch.simulator.PduReading;
import io.kilowatch.simulator.SiteModel;
import io.kilowatch.simulator.SiteSnapshot;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.testkit.Peer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sample report committed under {@code docs/sample-report/} is rebuilt here from a fixed input,
 * so it cannot drift from the code: one day (1 December 2026, Europe/Paris) of the demo hall's
 * physics ({@link SiteModel}, seed 42, the c2 pump faults on), its meters read once a minute: the
 * main meter (facility), the cooling plant (cooling) and every rack PDU (IT), as energy counters
 * with their power beside them. Grid intensity is a typical French day; 1 MWh of guarantees of
 * origin is declared for the month, the rest at an illustrative residual mix of 80 g/kWh. Two
 * incidents are staged on the meters (see {@link #write}). The HTML and the PDF must equal the
 * committed files byte for byte. To refresh them after a deliberate change: {@code ./mvnw -o -B
 * test -pl analytics -am -Dtest=SampleReportTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dkilowatch.updateSamples=true} (this also redraws the PNG pages with {@code pdftoppm -r 60}).
 */
class SampleReportTest {
  static final ZoneId PARIS = ZoneId.of("Europe/Paris");
  static final Instant FROM = Instant.parse("2026-11-30T23:00:00Z");
  static final Instant TO = Instant.parse("2026-12-01T23:00:00Z");
  static final Path SAMPLES = Path.of("..", "docs", "sample-report");

  @TempDir Path dir;

  @Test
  void theCommittedSampleReportIsWhatTheCodeMakesOfTheDemoDay() throws Exception {
    Report r;
    try (Store store = EmbeddedStore.open(StoreConfig.embedded(dir))) {
      var model = new SiteModel(DemoOptions.defaults(), FROM);
      var first = model.reading();
      SiteConfig site = site(first);
      write(store, model, first);
      var analytics =
          new Analytics(
              site, store, Clock.fixed(Instant.parse("2026-12-05T00:00:00Z"), ZoneOffset.UTC));
      r =
          new ReportBuilder(analytics, store, "sample", ReportBuilder.sha256(describe(site)))
              .build(FROM, TO, null, ReportBuilder.Progress.NONE);
    }
    var html = new ByteArrayOutputStream();
    ReportWriter.write(r, ReportFormat.HTML, html);
    var pdf = new ByteArrayOutputStream();
    ReportWriter.write(r, ReportFormat.PDF, pdf);

    // What the sample is meant to show: a one-day report with hourly charts.
    assertThat(r.detail().chartStep()).isEqualTo("hour");
    assertThat(r.detail().chart()).hasSize(24);
    assertThat(r.headline().facilityKwh()).isPositive();

    if (Boolean.getBoolean("kilowatch.updateSamples")) {
      update(html.toByteArray(), pdf.toByteArray());
    }
    assertThat(Files.readString(SAMPLES.resolve("report.html"), StandardCharsets.UTF_8))
        .as("docs/sample-report/report.html is stale: refresh with -Dkilowatch.updateSamples=true")
        .isEqualTo(html.toString(StandardCharsets.UTF_8));
    assertThat(Files.readAllBytes(SAMPLES.resolve("report.pdf")))
        .as("docs/sample-report/report.pdf is stale: refresh with -Dkilowatch.updateSamples=true")
        .isEqualTo(pdf.toByteArray());
    int pages;
    try (var doc = org.apache.pdfbox.Loader.loadPDF(pdf.toByteArray())) {
      pages = doc.getNumberOfPages();
    }
    try (var pngs = Files.list(SAMPLES.resolve("pages"))) {
      assertThat(pngs.filter(p -> p.toString().endsWith(".png")).count())
          .as("one PNG per page")
          .isEqualTo(pages);
    }
  }

  private static void update(byte[] html, byte[] pdf) throws Exception {
    Files.createDirectories(SAMPLES.resolve("pages"));
    Files.write(SAMPLES.resolve("report.html"), html);
    Files.write(SAMPLES.resolve("report.pdf"), pdf);
    try (var old = Files.list(SAMPLES.resolve("pages"))) {
      for (Path p : old.toList()) {
        Files.delete(p);
      }
    }
    Peer.PDFTOPPM.require();
    var proc =
        new ProcessBuilder(
                "pdftoppm",
                "-png",
                "-r",
                "60",
                SAMPLES.resolve("report.pdf").toString(),
                SAMPLES.resolve("pages").resolve("page").toString())
            .redirectErrorStream(true)
            .start();
    assertThat(proc.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(proc.exitValue()).as(new String(proc.getInputStream().readAllBytes())).isZero();
  }

  /** The site as the report's config hash covers it: its description, not a file. */
  private static byte[] describe(SiteConfig site) {
    return ("kilowatch sample report: demo hall physics (seed 42), "
            + site.devices().size()
            + " facility devices, "
            + site.clusters().size()
            + " clusters, "
            + FROM
            + " to "
            + TO)
        .getBytes(StandardCharsets.UTF_8);
  }

  /** The PDU whose meter is swapped at 14:00 local: its new register starts from zero. */
  static final String SWAPPED = "c2-r1-pdu-a";

  static final Instant SWAP = Instant.parse("2026-12-01T13:00:00Z");

  /** The PDU that does not answer from 09:10 to 09:30 local (a 21-minute pair of readings). */
  static final String SILENT = "c1-r2-pdu-b";

  static final Instant SILENT_FROM = Instant.parse("2026-12-01T08:10:00Z");
  static final Instant SILENT_TO = Instant.parse("2026-12-01T08:30:00Z");

  /**
   * One reading a minute of every meter, from the model stepped a minute at a time, with two
   * incidents staged on top of the physics so that the methodology has something to show: a meter
   * swap (a counter reset, filled from the PDU's power, R1) and a PDU silent for 20 minutes (its
   * counter joined across the hole, R1: a gap bridged).
   */
  private static void write(Store store, SiteModel model, SiteSnapshot first) {
    Double swapBaseWh = null;
    var lastWh = new java.util.HashMap<String, Double>();
    var batch = new ArrayList<Sample>();
    SiteSnapshot snap = first;
    long minutes = Duration.between(FROM, TO).toMinutes();
    for (long m = 0; m <= minutes; m++) {
      if (m > 0) {
        snap = model.advance(Duration.ofMinutes(1));
      }
      Instant t = FROM.plusSeconds(60 * m);
      batch.add(meter(t, "meter", "main", snap.mainMeter().energyWh(), snap.mainMeter().powerW()));
      batch.add(
          meter(
              t,
              "meter",
              "cooling-plant",
              snap.coolingPlant().energyWh(),
              snap.coolingPlant().powerW()));
      for (PduReading p : snap.pdus()) {
        double w = p.phases().stream().mapToDouble(PduReading.Phase::powerW).sum();
        double wh = p.energyWh();
        if (p.id().equals(SWAPPED) && !t.isBefore(SWAP)) {
          // The new register started at the last reading before the swap.
          swapBaseWh = swapBaseWh == null ? lastWh.get(p.id()) : swapBaseWh;
          wh -= swapBaseWh;
        }
        lastWh.put(p.id(), p.energyWh());
        if (p.id().equals(SILENT) && !t.isBefore(SILENT_FROM) && t.isBefore(SILENT_TO)) {
          continue;
        }
        batch.add(meter(t, "pdu", p.id(), wh, w));
      }
      if (batch.size() > 5000) {
        store.write(batch);
        batch.clear();
      }
    }
    store.write(batch);
  }

  private static Sample meter(Instant t, String measurement, String device, double wh, double w) {
    return Sample.of(
        t,
        measurement,
        Map.of("site", "demo", "device", device),
        Map.of("energy_kwh", wh / 1000, "power_w", w));
  }

  private SiteConfig site(SiteSnapshot first) throws Exception {
    // Racks and their PDUs by cluster, as the demo hall lays them out.
    var rackCluster = new TreeMap<String, String>();
    for (var n : first.nodes()) {
      rackCluster.put(n.rackId(), n.clusterId());
    }
    var racks = new LinkedHashMap<String, Map<String, List<Device>>>();
    for (PduReading p : first.pdus()) {
      String cluster = rackCluster.get(p.rackId());
      racks
          .computeIfAbsent(cluster, c -> new TreeMap<>())
          .computeIfAbsent(p.rackId(), k -> new ArrayList<>())
          .add(device(p.id(), DeviceKind.PDU, new Location(cluster, p.rackId())));
    }
    var clusters = new ArrayList<Cluster>();
    for (var c : new TreeMap<>(racks).entrySet()) {
      var rs = new ArrayList<Rack>();
      for (var rack : c.getValue().entrySet()) {
        rs.add(new Rack(rack.getKey(), rack.getValue()));
      }
      clusters.add(new Cluster(c.getKey(), c.getKey(), rs, List.of()));
    }
    // A typical French day (g/kWh by local hour): low at night, a morning and an evening peak.
    int[] fr = {
      38, 36, 35, 34, 34, 36, 44, 55, 62, 58, 50, 45, 42, 41, 43, 48, 56, 66, 72, 68, 58, 50, 44, 40
    };
    var csv = new ArrayList<String>(List.of("hour,g_per_kwh"));
    for (int h = 0; h < 24; h++) {
      csv.add(h + "," + fr[h]);
    }
    Path profile = Files.write(dir.resolve("intensity-fr.csv"), csv);
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
                // An illustrative residual-mix factor, not a published one.
                80.0,
                List.of(
                    new AnalyticsConfig.Instrument(
                        "goo-2026-12",
                        AnalyticsConfig.InstrumentKind.CERTIFICATE,
                        Instant.parse("2026-11-30T23:00:00Z"),
                        Instant.parse("2026-12-31T23:00:00Z"),
                        AnalyticsConfig.Granularity.MONTH,
                        1.0,
                        0,
                        true)),
                Duration.ofSeconds(2)),
            null,
            null,
            new AnalyticsConfig.Declared(
                null,
                null,
                new AnalyticsConfig.EedDeclared(
                    120.0, 450.0, 180.0, null, null, null, null, null, 24.0)));
    return io.kilowatch.testkit.TestSites.withMeterProfile(
            new SiteConfig(
                null,
                new Site("demo", PARIS, "FR", null),
                StoreConfig.embedded(dir.resolve("store")),
                WebConfig.DEFAULT,
                List.of(),
                clusters,
                List.of(
                    device("main", DeviceKind.METER, Location.FACILITY),
                    device("cooling-plant", DeviceKind.METER, Location.FACILITY)),
                new EnergyModel(
                    EnergyModel.ItLevel.PDU_OUTPUT,
                    List.of(new Channel("main", null, null, "energy_kwh", "power_w")),
                    List.of(new Channel(null, DeviceKind.PDU, null, "energy_kwh", "power_w")),
                    List.of(new Channel("cooling-plant", null, null, "energy_kwh", "power_w")),
                    List.of(),
                    List.of())))
        .withAnalytics(analytics);
  }

  private static Device device(String id, DeviceKind kind, Location loc) {
    return new Device(
        id,
        kind,
        loc,
        null,
        new Source.Modbus("127.0.0.1", 502, 1),
        Duration.ofSeconds(60),
        Duration.ofSeconds(2),
        Map.of());
  }
}
