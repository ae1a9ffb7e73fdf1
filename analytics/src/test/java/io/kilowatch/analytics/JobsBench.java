package io.kilowatch.analytics;

import io.kilowatch.analytics.carbon.CsvIntensity;
import io.kilowatch.analytics.carbon.IntensityCache;
import io.kilowatch.analytics.report.Chargeback;
import io.kilowatch.config.Cluster;
import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Rack;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.jobs.GpuHold;
import io.kilowatch.jobs.JobOrigin;
import io.kilowatch.jobs.JobRecord;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.store.embedded.EmbeddedStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * The monthly per-account job report (chargeback) of {@link AnalyticsBench}'s site: every GPU's
 * energy counter over the month and {@code jobs} jobs placed on its GPUs by a simple scheduler. Run
 * through {@code AnalyticsBench} with {@code -Dbench.jobs=100000}.
 *
 * <p>Jobs (seeded, so every run places the same ones): submitted uniformly over the month; 1, 2, 4
 * or 8 GPUs of one node (30, 20, 25, 20 %) or 2 or 4 whole nodes (4, 1 %); running 10 min plus an
 * exponential time of mean 16 h, at most 72 h; each takes the GPUs of a random node of a random
 * cluster that are free soonest, so no GPU is held twice at once; 50 accounts, 500 users. A job
 * that has not ended by the month's end is still running.
 */
final class JobsBench {
  private JobsBench() {}

  static void run(
      SiteConfig site,
      List<Cluster> clusters,
      Path dir,
      Instant start,
      Instant end,
      int jobCount,
      int gpuStep,
      boolean keep)
      throws Exception {
    var nodes = new ArrayList<Device>();
    var nodeCluster = new ArrayList<String>();
    var nodeRack = new ArrayList<String>();
    for (Cluster c : clusters) {
      for (Rack r : c.racks()) {
        for (Device d : r.devices()) {
          if (d.kind() == DeviceKind.GPU_NODE) {
            nodes.add(d);
            nodeCluster.add(c.id());
            nodeRack.add(r.id());
          }
        }
      }
    }
    boolean written = keep && Files.exists(dir.resolve("bench-end"));
    try (var store = BenchStore.open(dir)) {
      if (written) {
        System.out.printf("store kept in %s: reused (month ending %s)%n", dir, end);
      } else {
        long t0 = System.nanoTime();
        long points =
            AnalyticsBench.writeEnergy(
                store,
                clusters,
                start,
                end,
                (int) site.devices().getFirst().interval().toSeconds());
        System.out.printf(
            "write energy counters: %,d points in %.1f s%n", points, AnalyticsBench.seconds(t0));
        t0 = System.nanoTime();
        long gpuPoints = writeGpuCounters(store, nodes, nodeCluster, nodeRack, start, end, gpuStep);
        System.out.printf(
            "write GPU energy counters (%,d GPUs every %d s): %,d points in %.1f s%n",
            nodes.size() * 8, gpuStep, gpuPoints, AnalyticsBench.seconds(t0));
        t0 = System.nanoTime();
        store.maintain(Instant.now());
        System.out.printf("store maintenance: %.1f s%n", AnalyticsBench.seconds(t0));
        Files.writeString(dir.resolve("bench-end"), end.toString());
      }
      System.out.printf(
          "database file: %,d MB%n", Files.size(dir.resolve(EmbeddedStore.FILE_NAME)) >> 20);

      long t0 = System.nanoTime();
      List<JobRecord> jobs = jobs(nodes, nodeCluster, start, end, jobCount);
      long holds = jobs.stream().mapToLong(j -> j.gpus().size()).sum();
      double gpuHours =
          jobs.stream()
              .flatMap(j -> j.gpus().stream())
              .mapToDouble(
                  g ->
                      Duration.between(g.from(), g.to() == null ? end : g.to()).toSeconds()
                          / 3600.0)
              .sum();
      System.out.printf(
          "placed %,d jobs (%,d GPU holds, %,.0f GPU-hours, %.0f %% of the GPUs' month) in %.1f s%n",
          jobs.size(),
          holds,
          gpuHours,
          100 * gpuHours / (nodes.size() * 8.0 * Duration.between(start, end).toHours()),
          AnalyticsBench.seconds(t0));

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
      var attribution = new JobAttribution(energy, pue, carbon);
      for (int run = 1; run <= 2; run++) {
        AnalyticsBench.measure(
            "monthly per-account report (chargeback CSV), run " + run,
            () -> {
              var r =
                  attribution.attribute(
                      start,
                      end,
                      null,
                      jobs,
                      JobAttribution.Detail.SUMMARY,
                      JobAttribution.Scope.CLUSTER);
              String text = Chargeback.csv(r);
              var t = r.totals();
              return String.format(
                  "%d accounts, %d CSV bytes; GPUs %.0f kWh = jobs %.0f + idle %.0f (|Δ| %.1e);"
                      + " facility %.0f kWh, %.0f kgCO2e; coverage %.4f",
                  r.accounts().size(),
                  text.length(),
                  t.clusterItKwh(),
                  t.jobsItKwh(),
                  t.idleItKwh(),
                  Math.abs(t.clusterItKwh() - t.jobsItKwh() - t.idleItKwh()),
                  t.facilityKwh(),
                  t.locationKg(),
                  t.coverage());
            });
      }
    }
  }

  /** Each GPU's {@code energy_mj} counter: 0.55 kW ± 15 % over the day, every {@code step} s. */
  private static long writeGpuCounters(
      EmbeddedStore store,
      List<Device> nodes,
      List<String> nodeCluster,
      List<String> nodeRack,
      Instant start,
      Instant end,
      int step) {
    int gpus = nodes.size() * 8;
    var tags = new ArrayList<TreeMap<String, String>>(gpus);
    for (int n = 0; n < nodes.size(); n++) {
      for (int g = 0; g < 8; g++) {
        var t = new TreeMap<String, String>();
        t.put("cluster", nodeCluster.get(n));
        t.put("rack", nodeRack.get(n));
        t.put("device", nodes.get(n).id());
        t.put("gpu", Integer.toString(g));
        tags.add(t);
      }
    }
    double[] mj = new double[gpus];
    long points = 0;
    var batch = new ArrayList<Sample>(200_000);
    for (Instant t = start; !t.isAfter(end); t = t.plusSeconds(step)) {
      double day = t.getEpochSecond() / 86_400.0 * 2 * Math.PI;
      for (int i = 0; i < gpus; i++) {
        // kW × s × 1e6 = mJ.
        mj[i] += 0.55 * (1 + 0.15 * Math.sin(day + i % 7)) * step * 1e6;
        batch.add(
            new Sample(
                t, "gpu", tags.get(i), new TreeMap<>(Map.of("energy_mj", mj[i])), Quality.GOOD));
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

  static List<JobRecord> jobs(
      List<Device> nodes, List<String> nodeCluster, Instant start, Instant end, int count) {
    var rnd = new Random(42);
    long from = start.getEpochSecond();
    long span = end.getEpochSecond() - from;
    long[] submits = new long[count];
    for (int i = 0; i < count; i++) {
      submits[i] = from + (long) (rnd.nextDouble() * span);
    }
    Arrays.sort(submits);
    long[][] freeAt = new long[nodes.size()][8];
    var out = new ArrayList<JobRecord>(count);
    for (int i = 0; i < count; i++) {
      double p = rnd.nextDouble();
      int gpus = p < 0.30 ? 1 : p < 0.50 ? 2 : p < 0.75 ? 4 : p < 0.95 ? 8 : p < 0.99 ? 16 : 32;
      long run =
          600 + (long) Math.min(72 * 3600 - 600, -Math.log(1 - rnd.nextDouble()) * 16 * 3600);
      int node = rnd.nextInt(nodes.size());
      int span8 = Math.max(1, gpus / 8);
      node = Math.min(node, nodes.size() - span8);
      long startS = submits[i];
      var chosen = new ArrayList<int[]>();
      if (gpus < 8) {
        Integer[] order = {0, 1, 2, 3, 4, 5, 6, 7};
        long[] f = freeAt[node];
        Arrays.sort(order, (a, b) -> Long.compare(f[a], f[b]));
        for (int k = 0; k < gpus; k++) {
          chosen.add(new int[] {node, order[k]});
          startS = Math.max(startS, f[order[k]]);
        }
      } else {
        for (int n = node; n < node + span8; n++) {
          for (int g = 0; g < 8; g++) {
            chosen.add(new int[] {n, g});
            startS = Math.max(startS, freeAt[n][g]);
          }
        }
      }
      if (startS >= end.getEpochSecond()) {
        // Still queued at the month's end: it never ran in it.
        continue;
      }
      long endS = startS + run;
      for (int[] c : chosen) {
        freeAt[c[0]][c[1]] = endS;
      }
      Instant s = Instant.ofEpochSecond(startS);
      Instant e = endS >= end.getEpochSecond() ? null : Instant.ofEpochSecond(endS);
      var holds = new ArrayList<GpuHold>(chosen.size());
      for (int[] c : chosen) {
        holds.add(new GpuHold(nodes.get(c[0]).id(), Integer.toString(c[1]), s, e));
      }
      int account = rnd.nextInt(50);
      out.add(
          new JobRecord(
              "slurm/bench/" + (1000 + i),
              JobOrigin.SLURM,
              nodeCluster.get(node),
              "job-" + i,
              "user-" + (account * 10 + rnd.nextInt(10)),
              "acct-" + account,
              "gpu",
              s,
              e,
              holds));
    }
    return out;
  }
}
