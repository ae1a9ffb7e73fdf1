package io.kilowatch.analytics;

import io.kilowatch.config.StoreConfig;
import io.kilowatch.store.Sample;
import io.kilowatch.store.TagSet;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.testkit.TestSites;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one risk assessment costs at the peers bench's dcgm site, the KPI job's work every {@code
 * kpiInterval}: {@code gpus} GPUs with the fields the bench's dcgm-exporter gives the risk model
 * (temperature and slowdown threshold), every 10 s for the 11 minutes before the assessment, with
 * the labels dcgm-exporter gives (site, cluster, rack, device, gpu, uuid). Prints the time and the
 * CPU of writing that data and of each assessment.
 *
 * <p>Run (class path as in {@code store/store-embedded/README.md}, with the analytics module's test
 * classes): {@code java -cp … io.kilowatch.analytics.RiskBench [gpus] [assessments]}.
 */
public final class RiskBench {
  private RiskBench() {}

  public static void main(String[] args) throws Exception {
    int gpus = args.length > 0 ? Integer.parseInt(args[0]) : 25_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    var dir = Files.createTempDirectory("kilowatch-risk-bench");
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    Instant end = Instant.now().truncatedTo(ChronoUnit.MINUTES);
    var tags = new ArrayList<TagSet>(gpus);
    for (int g = 0; g < gpus; g++) {
      int node = g / 8;
      int rack = node / 4;
      tags.add(
          TagSet.of(
              Map.of(
                  "site", "bench",
                  "cluster", "c" + rack / 256,
                  "rack", "r" + rack,
                  "device", "n" + node,
                  "gpu", Integer.toString(g % 8),
                  "gpu_uuid", "GPU-" + node + "-" + g % 8)));
    }
    try (var store = EmbeddedStore.open(StoreConfig.embedded(dir))) {
      long cpu0 = os.getProcessCpuTime();
      long t0 = System.nanoTime();
      long points = 0;
      for (Instant t = end.minus(Duration.ofMinutes(11)); !t.isAfter(end); t = t.plusSeconds(10)) {
        var batch = new ArrayList<Sample>(gpus);
        for (int g = 0; g < gpus; g++) {
          var f = new TreeMap<String, Double>();
          f.put("temp_c", 40.0 + (g + t.getEpochSecond() / 10) % 30);
          f.put("slowdown_temp_c", 87.0);
          batch.add(new Sample(t, "gpu", tags.get(g), f, io.kilowatch.store.Quality.GOOD));
        }
        store.write(batch);
        points += 2L * gpus;
      }
      System.out.printf(
          "write: %,d points of %,d GPUs in %.2f s, %.2f s of process CPU%n",
          points, gpus, (System.nanoTime() - t0) / 1e9, (os.getProcessCpuTime() - cpu0) / 1e9);
      var risk = new RiskEngine(TestSites.site(List.of(), List.of()), store);
      for (int r = 1; r <= rounds; r++) {
        long me = threads.getCurrentThreadCpuTime();
        long alloc = threads.getCurrentThreadAllocatedBytes();
        cpu0 = os.getProcessCpuTime();
        t0 = System.nanoTime();
        var report = risk.assess(end);
        System.out.printf(
            "assessment %d: %,d GPUs, %,d racks, %,d clusters in %.3f s; CPU %.3f s (this"
                + " thread %.3f s); %,d MB allocated%n",
            r,
            report.gpus().size(),
            report.racks().size(),
            report.clusters().size(),
            (System.nanoTime() - t0) / 1e9,
            (os.getProcessCpuTime() - cpu0) / 1e9,
            (threads.getCurrentThreadCpuTime() - me) / 1e9,
            (threads.getCurrentThreadAllocatedBytes() - alloc) >> 20);
      }
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
