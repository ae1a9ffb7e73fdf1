package io.kilowatch.app;

import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.testkit.site.SiteBuilder;
import io.kilowatch.testkit.site.YamlMaps;
import io.kilowatch.web.ingest.TokenAuth;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Ingest at data-centre scale, measured from outside: this JVM runs a real kilowatch (web server,
 * store writer, embedded store) and starts {@link IngestLoadDriver} as another process that pushes
 * line protocol at it over loopback HTTP. Not a unit test: run it on demand (see
 * web/src/main/java/io/kilowatch/web/ingest/README.md).
 *
 * <p>Arguments: GPUs (25000), fields per GPU (20), interval in s (10), duration in s (60), GPUs per
 * node (8), which acknowledgements to measure (ON_QUEUE,ON_COMMIT: both, one after the other).
 */
public final class IngestBench {
  private IngestBench() {}

  public static void main(String[] args) throws Exception {
    int gpus = args.length > 0 ? Integer.parseInt(args[0]) : 25_000;
    int fields = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    long interval = args.length > 2 ? Long.parseLong(args[2]) : 10;
    long duration = args.length > 3 ? Long.parseLong(args[3]) : 60;
    int perNode = args.length > 4 ? Integer.parseInt(args[4]) : 8;
    // Both ways in one run, on the same machine under the same load, so the two figures compare.
    String modes = args.length > 5 ? args[5] : "ON_QUEUE,ON_COMMIT";
    for (String mode : modes.split(",")) {
      run(gpus, fields, interval, duration, perNode, Kilowatch.Acknowledge.valueOf(mode));
    }
  }

  private static void run(
      int gpus,
      int fields,
      long interval,
      long duration,
      int perNode,
      Kilowatch.Acknowledge acknowledge)
      throws Exception {
    String token = "bench-" + System.nanoTime();
    Path dir = Files.createTempDirectory("ingest-bench");
    var site =
        SiteBuilder.named("Bench")
            .store(YamlMaps.of("dataDir", "data"))
            .web(
                YamlMaps.of(
                    "bind",
                    "127.0.0.1",
                    "tokens",
                    List.of(SiteBuilder.token("bench", TokenAuth.sha256Hex(token), "operator")),
                    // Every agent shares one token and the loopback address, and the first
                    // interval registers all 500,000 series at once.
                    "rateLimitPerMinute",
                    0,
                    "rateLimitPerAddressPerMinute",
                    0,
                    "ingest",
                    Map.of("maxNewSeriesPerMinute", 1_000_000)))
            .toConfig(dir);
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    try (Kilowatch app = Kilowatch.start(site, 0, acknowledge)) {
      String url = "http://127.0.0.1:" + app.port() + "/";
      System.out.printf(
          "ingest bench, acknowledge %s: %d GPUs x %d fields every %d s = %.0f points/s offered,"
              + " %d s, %d cores%n",
          acknowledge,
          gpus,
          fields,
          interval,
          (double) gpus * fields / interval,
          duration,
          Runtime.getRuntime().availableProcessors());
      long cpu0 = os.getProcessCpuTime();
      long t0 = System.nanoTime();
      var driver =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-XX:+UseSerialGC",
                  "-cp",
                  System.getProperty("java.class.path"),
                  IngestLoadDriver.class.getName(),
                  url,
                  Integer.toString(gpus),
                  Integer.toString(fields),
                  Long.toString(interval),
                  Long.toString(duration),
                  Integer.toString(perNode))
              .inheritIO();
      driver.environment().put("KILOWATCH_BENCH_TOKEN", token);
      Process p = driver.start();
      var store = (EmbeddedStore) app.store();
      long last = 0;
      long lastT = System.nanoTime();
      // The store's progress while the load runs: points stored per 5 s window.
      while (!p.waitFor(5, TimeUnit.SECONDS)) {
        long now = store.pointCount();
        long t = System.nanoTime();
        System.out.printf(
            "  stored %,d points (%,.0f points/s over the last window)%n",
            now, (now - last) / ((t - lastT) / 1e9));
        last = now;
        lastT = t;
        if (t - t0 > TimeUnit.SECONDS.toNanos(duration + 180)) {
          break;
        }
      }
      if (!p.waitFor(1, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("driver did not finish");
      }
      long cpuRun = os.getProcessCpuTime() - cpu0;
      double wallRun = (System.nanoTime() - t0) / 1e9;
      // Acknowledged writes may still sit in the store writer's queue: wait until they are in.
      long expected = (long) gpus / perNode * perNode * fields * (duration / interval);
      // Acknowledged writes may still sit in the store writer's queue: wait until the count
      // stops growing for two seconds.
      long stored = store.pointCount();
      long settle = System.nanoTime();
      long lastChange = settle;
      while (System.nanoTime() - lastChange < 2_000_000_000L
          && System.nanoTime() - settle < 120_000_000_000L) {
        // A benchmark waiting for quiet, not for an event: sample the count at a fixed rate.
        Thread.sleep(200);
        long now = store.pointCount();
        if (now != stored) {
          stored = now;
          lastChange = System.nanoTime();
        }
      }
      double lag = (lastChange - settle) / 1e9;
      System.out.printf(
          "SERVER stored=%d expected=%d store_lag_after_run_s=%.1f server_cpu_s=%.1f"
              + " server_cpu_pct_of_one_core=%.0f wall_s=%.1f%n",
          stored, expected, lag, cpuRun / 1e9, 100.0 * cpuRun / 1e9 / wallRun, wallRun);
    }
  }
}
