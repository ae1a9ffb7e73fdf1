package io.kilowatch.analytics;

import io.kilowatch.analytics.carbon.CsvIntensity;
import io.kilowatch.analytics.carbon.IntensityCache;
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
import io.kilowatch.store.embedded.EmbeddedStore;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
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
import java.util.function.Supplier;

/**
 * PUE, carbon and throttle risk for a simulated large site, computed from the embedded store.
 *
 * <p>Run: {@code ./mvnw -q -B -pl analytics -am test-compile exec:exec@analytics-bench -Dexec.skip
 * -Dexec.executable=java [-Dbench.gpus=25000 -Dbench.days=30 -Dbench.energyStep=60]}
 *
 * <p>With {@code -Dbench.jobs=100000} it measures the monthly per-account job report instead
 * ({@link JobsBench}): every GPU's {@code energy_mj} counter every {@code bench.gpuEnergyStep}
 * seconds (default 3600) over the days, and that many jobs; {@code -Dbench.dir=D} keeps the store
 * in D and reuses it when it is already there (to compare two versions of the code on one store).
 *
 * <p>Layout: 8 GPUs per node, 4 nodes and 2 PDUs per rack, 10 clusters with one CDU each, a main
 * meter and a cooling-plant meter. Written: one energy counter ({@code energy_kwh}) per PDU, CDU
 * and meter every {@code energyStep} seconds over {@code days}; for the last 30 minutes, one {@code
 * gpu} sample per GPU per minute (temp, slowdown, HBM, clock events, violation time: 5 fields) and
 * the loops' supply, flow and ΔP; cluster c3's loop loses flow 12 minutes before the end. The store
 * keeps 7 days raw (the default), so the 30-day queries read the hourly rollups for the older days,
 * as in production.
 */
public final class AnalyticsBench {
  private AnalyticsBench() {}

  public static void main(String[] args) throws Exception {
    int gpus = args.length > 0 && !args[0].isBlank() ? Integer.parseInt(args[0]) : 25_000;
    int days = args.length > 1 && !args[1].isBlank() ? Integer.parseInt(args[1]) : 30;
    int step = args.length > 2 && !args[2].isBlank() ? Integer.parseInt(args[2]) : 60;
    energyStep = step;
    int jobs = args.length > 3 && !args[3].isBlank() ? Integer.parseInt(args[3]) : 0;
    int gpuStep = args.length > 4 && !args[4].isBlank() ? Integer.parseInt(args[4]) : 3600;
    Path kept = args.length > 5 && !args[5].isBlank() ? Path.of(args[5]) : null;
    Path dir = kept != null ? kept : Files.createTempDirectory("kilowatch-analytics-bench");
    Files.createDirectories(dir);
    // A kept store keeps its month: the one it was written for.
    Instant end =
        kept != null && Files.exists(dir.resolve("bench-end"))
            ? Instant.parse(Files.readString(dir.resolve("bench-end")).strip())
            : Instant.now().truncatedTo(ChronoUnit.HOURS);
    Instant start = end.minus(Duration.ofDays(days));

    int nodes = (gpus + 7) / 8;
    int racks = (nodes + 3) / 4;
    int clusterCount = 10;
    var clusters = new ArrayList<Cluster>();
    for (int c = 0; c < clusterCount; c++) {
      String cid = "c" + (c + 1);
      var rackList = new ArrayList<Rack>();
      for (int r = c; r < racks; r += clusterCount) {
        String rid = cid + "-r" + (r + 1);
        var devs = new ArrayList<Device>();
        devs.add(device(rid + "-pdu-a", DeviceKind.PDU, new Location(cid, rid)));
        devs.add(device(rid + "-pdu-b", DeviceKind.PDU, new Location(cid, rid)));
        for (int n = r * 4; n < Math.min(nodes, r * 4 + 4); n++) {
          devs.add(
              device(rid + "-n" + (n - r * 4 + 1), DeviceKind.GPU_NODE, new Location(cid, rid)));
        }
        rackList.add(new Rack(rid, devs));
      }
      clusters.add(
          new Cluster(
              cid,
              cid,
              rackList,
              List.of(device(cid + "-cdu", DeviceKind.CDU, new Location(cid, null)))));
    }
    var loops = new java.util.HashMap<String, AnalyticsConfig.WaterClass>();
    clusters.forEach(c -> loops.put(c.id(), AnalyticsConfig.WaterClass.W32));
    var instruments =
        List.of(
            new AnalyticsConfig.Instrument(
                "goo",
                AnalyticsConfig.InstrumentKind.CERTIFICATE,
                null,
                null,
                AnalyticsConfig.Granularity.MONTH,
                2_000,
                0,
                true));
    var analytics =
        new AnalyticsConfig(
            Duration.ofMinutes(5),
            0.9,
            null,
            Duration.ofMinutes(5),
            loops,
            95,
            new AnalyticsConfig.CarbonConfig(null, null, 380.0, instruments, Duration.ofSeconds(5)),
            null,
            null,
            AnalyticsConfig.Declared.NONE);
    var site =
        io.kilowatch.testkit.TestSites.withMeterProfile(
                new SiteConfig(
                    null,
                    new Site("bench", ZoneOffset.UTC, null, null),
                    StoreConfig.embedded(dir),
                    WebConfig.DEFAULT,
                    List.of(),
                    clusters,
                    List.of(
                        device("main-meter", DeviceKind.METER, Location.FACILITY),
                        device("cooling-plant", DeviceKind.METER, Location.FACILITY)),
                    new EnergyModel(
                        EnergyModel.ItLevel.PDU_OUTPUT,
                        List.of(new Channel("main-meter", null, null, "energy_kwh", "power_w")),
                        List.of(new Channel(null, DeviceKind.PDU, null, "energy_kwh", "power_w")),
                        List.of(
                            new Channel("cooling-plant", null, null, "energy_kwh", "power_w"),
                            new Channel(null, DeviceKind.CDU, null, "energy_kwh", "power_w")),
                        List.of(),
                        List.of())))
            .withAnalytics(analytics);
    System.out.printf(
        "site: %d GPUs, %d nodes, %d racks, %d PDUs, %d clusters; %d days of energy counters every %d s%n",
        gpus, nodes, racks, racks * 2, clusterCount, days, step);

    if (jobs > 0) {
      JobsBench.run(site, clusters, dir, start, end, jobs, gpuStep, kept != null);
      return;
    }
    try (var store = BenchStore.open(dir)) {
      long t0 = System.nanoTime();
      long points = writeEnergy(store, clusters, start, end, step);
      double wr = seconds(t0);
      System.out.printf(
          "write energy counters: %,d points in %.1f s (%.0f points/s)%n", points, wr, points / wr);
      t0 = System.nanoTime();
      long gpuPoints = writeGpus(store, clusters, end);
      System.out.printf(
          "write GPU and loop data (last 30 min): %,d points in %.1f s%n", gpuPoints, seconds(t0));
      t0 = System.nanoTime();
      store.maintain(Instant.now());
      System.out.printf("store maintenance (rollups, 7-day raw retention): %.1f s%n", seconds(t0));
      System.out.printf(
          "database file: %,d MB%n", Files.size(dir.resolve(EmbeddedStore.FILE_NAME)) >> 20);

      var csv = new ArrayList<String>();
      for (Instant h = start; h.isBefore(end); h = h.plus(Duration.ofHours(1))) {
        csv.add(h + "," + (50 + 30 * Math.sin(h.getEpochSecond() / 86_400.0 * 2 * Math.PI)));
      }
      var energy = new EnergyEngine(site, store);
      var pue = new PueEngine(energy);
      var carbon =
          new CarbonEngine(
              energy,
              pue,
              new IntensityCache(
                  CsvIntensity.parse(csv, ZoneOffset.UTC),
                  null,
                  Clock.systemUTC(),
                  Duration.ofMinutes(5)));
      var risk = new RiskEngine(site, store);

      measure(
          "PUE, 30 days as one window + per cluster",
          () -> {
            var r = pue.compute(start, end, new StepPlan.Step.Whole());
            return "PUE "
                + fmt(r.window().pue())
                + " "
                + r.window().status()
                + ", coverage "
                + fmt(r.window().coverage())
                + ", E_IT "
                + fmt(r.window().itKwh())
                + " kWh, clusters "
                + r.clusters().size();
          });
      measure(
          "PUE, 30 days, daily interim",
          () -> {
            var r = pue.compute(start, end, new StepPlan.Step.Day());
            return r.steps().size()
                + " days, first "
                + fmt(r.steps().getFirst().pue())
                + ", last "
                + fmt(r.steps().getLast().pue());
          });
      measure(
          "PUE, last 24 h, hourly (raw readings)",
          () -> {
            var r =
                pue.compute(
                    end.minus(Duration.ofDays(1)),
                    end,
                    new StepPlan.Step.Fixed(Duration.ofHours(1)));
            return r.steps().size()
                + " hours, window "
                + fmt(r.window().pue())
                + " coverage "
                + fmt(r.window().coverage());
          });
      measure(
          "carbon, 30 days hour by hour, daily steps, per cluster",
          () -> {
            var r = carbon.compute(start, end, new StepPlan.Step.Day());
            return "location "
                + fmt(r.totals().locationKg())
                + " kg, market "
                + fmt(r.totals().marketKg())
                + " kg, CUE "
                + fmt(r.totals().cueLocation())
                + ", REF "
                + fmt(r.totals().ref())
                + ", "
                + r.totals().status();
          });
      measure(
          "risk at the end, every GPU, rack and cluster",
          () -> {
            var r = risk.assess(end);
            long notOk = r.gpus().stream().filter(g -> g.level() != RiskLevel.OK).count();
            return r.gpus().size()
                + " GPUs ("
                + notOk
                + " not ok), "
                + r.racks().size()
                + " racks; c3 "
                + r.cluster("c3").level()
                + " "
                + fmt(r.cluster("c3").score())
                + ", c1 "
                + r.cluster("c1").level();
          });
    }
  }

  /** Poll interval of the energy meters: the bench writes their counters this often. */
  private static int energyStep = 60;

  private static Device device(String id, DeviceKind kind, Location loc) {
    Duration interval = Duration.ofSeconds(kind == DeviceKind.GPU_NODE ? 60 : energyStep);
    Source src =
        kind == DeviceKind.GPU_NODE
            ? new Source.Dcgm(URI.create("http://127.0.0.1:9400/metrics"))
            : new Source.Modbus("127.0.0.1", 502, 1);
    return new Device(id, kind, loc, null, src, interval, Duration.ofSeconds(5), Map.of());
  }

  static long writeEnergy(
      EmbeddedStore store, List<Cluster> clusters, Instant start, Instant end, int step) {
    record Meter(
        String device, String measurement, String cluster, String rack, double kw, double phase) {}
    var meters = new ArrayList<Meter>();
    double itKw = 0;
    for (Cluster c : clusters) {
      double clusterKw = 0;
      for (Rack r : c.racks()) {
        int gpusInRack =
            (int) r.devices().stream().filter(d -> d.kind() == DeviceKind.GPU_NODE).count() * 8;
        double rackKw = gpusInRack * 0.55 + gpusInRack / 8.0 * 1.5;
        for (Device d : r.devices()) {
          if (d.kind() == DeviceKind.PDU) {
            meters.add(new Meter(d.id(), "pdu", c.id(), r.id(), rackKw / 2, r.id().hashCode() % 7));
          }
        }
        clusterKw += rackKw;
      }
      meters.add(new Meter(c.id() + "-cdu", "cdu", c.id(), null, clusterKw * 0.03, 0));
      itKw += clusterKw;
    }
    meters.add(new Meter("cooling-plant", "meter", null, null, itKw * 0.1, 0));
    meters.add(new Meter("main-meter", "meter", null, null, itKw * 1.2, 0));
    double[] counter = new double[meters.size()];
    long points = 0;
    var batch = new ArrayList<Sample>(200_000);
    for (Instant t = start; !t.isAfter(end); t = t.plusSeconds(step)) {
      double day = t.getEpochSecond() / 86_400.0 * 2 * Math.PI;
      for (int i = 0; i < meters.size(); i++) {
        Meter m = meters.get(i);
        // Load follows a daily cycle ±15 %; every meter carries its share, so the PUE stays ~1.33.
        counter[i] +=
            m.kw()
                * (1 + 0.15 * Math.sin(day + (m.measurement().equals("pdu") ? 0 : 0)))
                * step
                / 3600.0;
        var tags = new java.util.TreeMap<String, String>();
        tags.put("device", m.device());
        if (m.cluster() != null) {
          tags.put("cluster", m.cluster());
        }
        if (m.rack() != null) {
          tags.put("rack", m.rack());
        }
        batch.add(
            new Sample(
                t,
                m.measurement(),
                tags,
                new java.util.TreeMap<>(Map.of("energy_kwh", counter[i])),
                io.kilowatch.store.Quality.GOOD));
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

  private static long writeGpus(EmbeddedStore store, List<Cluster> clusters, Instant end) {
    long points = 0;
    var batch = new ArrayList<Sample>(100_000);
    for (int m = 30; m >= 0; m--) {
      Instant t = end.minus(Duration.ofMinutes(m));
      boolean fault = m <= 12;
      for (Cluster c : clusters) {
        boolean hot = fault && c.id().equals("c3");
        for (Rack r : c.racks()) {
          for (Device d : r.devices()) {
            if (d.kind() != DeviceKind.GPU_NODE) {
              continue;
            }
            for (int g = 0; g < 8; g++) {
              double temp = 58 + g + (hot ? 1.2 * (12 - m) : 0);
              var tags =
                  new java.util.TreeMap<>(
                      Map.of(
                          "cluster",
                          c.id(),
                          "rack",
                          r.id(),
                          "device",
                          d.id(),
                          "gpu",
                          Integer.toString(g)));
              var f = new java.util.TreeMap<String, Double>();
              // Two fields per GPU: each new series costs the store one durable insert, and
              // 25,000 GPUs × 5 fields would spend most of the bench registering series.
              f.put("temp_c", temp);
              f.put("slowdown_temp_c", 87.0);
              batch.add(new Sample(t, "gpu", tags, f, io.kilowatch.store.Quality.GOOD));
              points += 2;
            }
          }
        }
        var loopTags =
            new java.util.TreeMap<>(Map.of("cluster", c.id(), "device", c.id() + "-cdu"));
        var lf = new java.util.TreeMap<String, Double>();
        lf.put("supply_temp_c", hot ? 30.5 : 29.0);
        lf.put("flow_lpm", hot ? 180.0 : 450.0);
        lf.put("diff_pressure_kpa", hot ? 20.0 : 85.0);
        batch.add(new Sample(t, "cooling_loop", loopTags, lf, io.kilowatch.store.Quality.GOOD));
        points += 3;
      }
      if (batch.size() > 50_000) {
        store.write(batch);
        batch.clear();
      }
    }
    store.write(batch);
    return points;
  }

  static void measure(String what, Supplier<String> work) {
    System.gc();
    List<MemoryPoolMXBean> heap =
        ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP)
            .toList();
    heap.forEach(MemoryPoolMXBean::resetPeakUsage);
    long before = used(heap);
    long t0 = System.nanoTime();
    String result = work.get();
    double s = seconds(t0);
    long peak = heap.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    System.out.printf(
        "%-55s %7.2f s  heap before %,5d MB, peak %,5d MB  | %s%n",
        what, s, before >> 20, peak >> 20, result);
  }

  private static long used(List<MemoryPoolMXBean> heap) {
    return heap.stream().mapToLong(p -> p.getUsage().getUsed()).sum();
  }

  static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  static String fmt(Double v) {
    return v == null ? "null" : String.format("%.4g", v);
  }
}
