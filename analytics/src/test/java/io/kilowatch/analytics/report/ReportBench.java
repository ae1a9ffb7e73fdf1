package io.kilowatch.analytics.report;

import io.kilowatch.analytics.Analytics;
import io.kilowatch.analytics.BenchStore;
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
import io.kilowatch.store.Aggregate;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.embedded.EmbeddedStore;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How long an energy report over a year takes, next to the plain store reads of the same data.
 *
 * <p>Run: {@code ./mvnw -q -B -pl analytics -am test-compile exec:exec@report-bench -Dexec.skip
 * [-Dbench.days=365 -Dbench.energyStep=60]}
 *
 * <p>Site: 64 meters with energy counters: 4 clusters × 7 racks × 2 PDUs (IT, 56), a CDU per
 * cluster (4), a main meter, a cooling-plant meter and two "other" meters (lighting, offices).
 * Counters are written every {@code energyStep} seconds over {@code days} ending at the last full
 * hour, then the store's maintenance runs once (rollups, 7-day raw retention, 90-day minute
 * retention), as a store that had been running all year would have done bit by bit: the year's
 * report reads hourly rollups for all but the last days.
 *
 * <p>Baseline, in the same run: the store reads the report cannot do without, {@link
 * io.kilowatch.store.Store#aggregate} of every meter's hourly counter increase over the period, one
 * query per measurement (what the energy engine asks), and the raw readings the input hash reads.
 */
public final class ReportBench {
  private ReportBench() {}

  public static void main(String[] args) throws Exception {
    int days = args.length > 0 && !args[0].isBlank() ? Integer.parseInt(args[0]) : 365;
    int step = args.length > 1 && !args[1].isBlank() ? Integer.parseInt(args[1]) : 60;
    Path dir = Files.createTempDirectory("kilowatch-report-bench");
    Instant end = Instant.now().truncatedTo(ChronoUnit.HOURS);
    Instant start = end.minus(Duration.ofDays(days));
    SiteConfig site = site(dir, step);
    long meters = site.allDevices().count();
    System.out.printf(
        "site: %d meters (56 PDUs, 4 CDUs, main, cooling plant, 2 other); %d days of counters every"
            + " %d s%n",
        meters, days, step);
    try (var store = BenchStore.open(dir)) {
      long t0 = System.nanoTime();
      long points = write(store, site, start, end, step);
      double wr = seconds(t0);
      System.out.printf("write: %,d points in %.1f s (%.0f points/s)%n", points, wr, points / wr);
      t0 = System.nanoTime();
      store.maintain(Instant.now());
      System.out.printf("store maintenance (rollups, retention): %.1f s%n", seconds(t0));
      System.out.printf(
          "database file: %,d MB%n", Files.size(dir.resolve(EmbeddedStore.FILE_NAME)) >> 20);

      for (int round = 1; round <= 2; round++) {
        System.out.printf("-- round %d%n", round);
        t0 = System.nanoTime();
        long buckets = 0;
        for (String m : List.of("pdu", "cdu", "meter")) {
          for (var sb :
              store.aggregate(
                  new SeriesQuery(m, "energy_kwh", Map.of()),
                  start,
                  end,
                  Duration.ofHours(1),
                  Aggregate.COUNTER_DELTA)) {
            buckets += sb.buckets().size();
          }
        }
        double base = seconds(t0);
        System.out.printf(
            "baseline Store.aggregate, hourly counter increase of every meter: %,d buckets in"
                + " %.2f s%n",
            buckets, base);
        t0 = System.nanoTime();
        long raw = 0;
        for (String m : List.of("pdu", "cdu", "meter")) {
          for (var sp : store.read(new SeriesQuery(m, "energy_kwh", Map.of()), start, end)) {
            raw += sp.points().size();
          }
        }
        double rawS = seconds(t0);
        System.out.printf(
            "baseline Store.read of the raw readings still kept: %,d points in %.2f s%n",
            raw, rawS);
        report(site, store, start, end, null, base + rawS);
        report(site, store, start, end, "c2", base + rawS);
      }
    }
  }

  private static void report(
      SiteConfig site, EmbeddedStore store, Instant from, Instant to, String cluster, double base)
      throws Exception {
    var builder =
        new ReportBuilder(
            new Analytics(site, store, Clock.systemUTC()),
            store,
            "bench",
            ReportBuilder.sha256(new byte[0]));
    long t0 = System.nanoTime();
    var phases = new ArrayList<String>();
    long[] last = {t0};
    Report r =
        builder.build(
            from,
            to,
            cluster,
            (d, t, w) -> {
              long now = System.nanoTime();
              phases.add(String.format("%s %.2f", w, (now - last[0]) / 1e9));
              last[0] = now;
            });
    double build = seconds(t0);
    long t1 = System.nanoTime();
    var json = new ByteArrayOutputStream();
    ReportWriter.write(r, ReportFormat.JSON, json);
    var pdf = new ByteArrayOutputStream();
    ReportWriter.write(r, ReportFormat.PDF, pdf);
    double write = seconds(t1);
    System.out.printf(
        "report %s, %d months: build %.2f s (%.1f × the baseline reads), JSON + PDF %.2f s;"
            + " E_DC %.0f kWh, PUE %s, input %,d raw points + %,d rollup rows + %d intensity"
            + " hours%n",
        cluster == null ? "site" : "cluster " + cluster,
        r.months().size(),
        build,
        build / base,
        write,
        r.headline().facilityKwh(),
        r.headline().pue() == null ? "-" : String.format("%.4f", r.headline().pue()),
        r.provenance().inputPoints(),
        r.provenance().inputRuns(),
        r.provenance().inputIntensityHours());
    System.out.println("   per phase (s): " + String.join(", ", phases));
  }

  static SiteConfig site(Path dir, int step) {
    var clusters = new ArrayList<Cluster>();
    for (int c = 1; c <= 4; c++) {
      String cid = "c" + c;
      var racks = new ArrayList<Rack>();
      for (int r = 1; r <= 7; r++) {
        String rid = cid + "-r" + r;
        racks.add(
            new Rack(
                rid,
                List.of(
                    device(rid + "-pdu-a", DeviceKind.PDU, new Location(cid, rid), step),
                    device(rid + "-pdu-b", DeviceKind.PDU, new Location(cid, rid), step))));
      }
      clusters.add(
          new Cluster(
              cid,
              cid,
              racks,
              List.of(device(cid + "-cdu", DeviceKind.CDU, new Location(cid, null), step))));
    }
    var instruments =
        List.of(
            new AnalyticsConfig.Instrument(
                "go",
                AnalyticsConfig.InstrumentKind.CERTIFICATE,
                null,
                null,
                AnalyticsConfig.Granularity.MONTH,
                200,
                0,
                true),
            new AnalyticsConfig.Instrument(
                "ppa",
                AnalyticsConfig.InstrumentKind.PPA,
                null,
                null,
                AnalyticsConfig.Granularity.HOUR,
                0.1,
                0,
                true));
    var analytics =
        new AnalyticsConfig(
            Duration.ofSeconds(5L * step),
            0.9,
            null,
            Duration.ofMinutes(5),
            Map.of(),
            95,
            new AnalyticsConfig.CarbonConfig(
                new AnalyticsConfig.IntensitySource.Static(250),
                null,
                380.0,
                instruments,
                Duration.ofSeconds(5)),
            null,
            null,
            AnalyticsConfig.Declared.NONE);
    return io.kilowatch.testkit.TestSites.withMeterProfile(
            new SiteConfig(
                null,
                new Site("bench", ZoneOffset.UTC, null, null),
                StoreConfig.embedded(dir),
                WebConfig.DEFAULT,
                List.of(),
                clusters,
                List.of(
                    device("main-meter", DeviceKind.METER, Location.FACILITY, step),
                    device("cooling-plant", DeviceKind.METER, Location.FACILITY, step),
                    device("lighting", DeviceKind.METER, Location.FACILITY, step),
                    device("offices", DeviceKind.METER, Location.FACILITY, step)),
                new EnergyModel(
                    EnergyModel.ItLevel.PDU_OUTPUT,
                    List.of(new Channel("main-meter", null, null, "energy_kwh", "power_w")),
                    List.of(new Channel(null, DeviceKind.PDU, null, "energy_kwh", "power_w")),
                    List.of(
                        new Channel("cooling-plant", null, null, "energy_kwh", "power_w"),
                        new Channel(null, DeviceKind.CDU, null, "energy_kwh", "power_w")),
                    List.of(),
                    List.of(
                        new Channel("lighting", null, null, "energy_kwh", "power_w"),
                        new Channel("offices", null, null, "energy_kwh", "power_w")))))
        .withAnalytics(analytics);
  }

  private static Device device(String id, DeviceKind kind, Location loc, int step) {
    return new Device(
        id,
        kind,
        loc,
        null,
        new Source.Modbus("127.0.0.1", 502, 1),
        Duration.ofSeconds(step),
        Duration.ofSeconds(5),
        Map.of());
  }

  /** Counters of every meter, in time order; IT follows a daily cycle, PUE stays near 1.3. */
  private static long write(
      EmbeddedStore store, SiteConfig site, Instant start, Instant end, int step) {
    record Meter(String device, String measurement, Location loc, double kw) {}
    var meters = new ArrayList<Meter>();
    site.allDevices()
        .forEach(
            d -> {
              String m =
                  switch (d.kind()) {
                    case PDU -> "pdu";
                    case CDU -> "cdu";
                    default -> "meter";
                  };
              double kw =
                  switch (d.id()) {
                    case "main-meter" -> 56 * 20 * 1.3;
                    case "cooling-plant" -> 56 * 20 * 0.18;
                    case "lighting", "offices" -> 5;
                    default -> d.kind() == DeviceKind.CDU ? 14 * 20 * 0.04 : 20;
                  };
              meters.add(new Meter(d.id(), m, d.location(), kw));
            });
    double[] counter = new double[meters.size()];
    long points = 0;
    var batch = new ArrayList<Sample>(200_000);
    for (Instant t = start; !t.isAfter(end); t = t.plusSeconds(step)) {
      double day = t.getEpochSecond() / 86_400.0 * 2 * Math.PI;
      for (int i = 0; i < meters.size(); i++) {
        Meter m = meters.get(i);
        counter[i] += m.kw() * (1 + 0.15 * Math.sin(day)) * step / 3600.0;
        var tags = new TreeMap<String, String>();
        tags.put("device", m.device());
        if (m.loc() != null && m.loc().cluster() != null) {
          tags.put("cluster", m.loc().cluster());
        }
        if (m.loc() != null && m.loc().rack() != null) {
          tags.put("rack", m.loc().rack());
        }
        batch.add(
            new Sample(
                t,
                m.measurement(),
                tags,
                new TreeMap<>(Map.of("energy_kwh", counter[i])),
                Quality.GOOD));
        points++;
        if (batch.size() == 200_000) {
          store.write(batch);
          batch.clear();
        }
      }
    }
    store.write(batch);
    return points;
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
