package io.kilowatch.store.influx;

import io.kilowatch.store.Aggregate;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.store.SeriesBuckets;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.testkit.InfluxProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The embedded store and InfluxDB side by side, in one run, with the same generated data: write
 * throughput, a 30-day one-hour-step aggregate over every series, and disk bytes per point. Run on
 * demand (see the influx package README); arguments: series, days, seconds between readings,
 * timestamps per batch.
 */
public final class StoreComparisonBench {
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  private StoreComparisonBench() {}

  public static void main(String[] args) throws Exception {
    int series = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
    int days = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    int intervalS = args.length > 2 ? Integer.parseInt(args[2]) : 300;
    int perBatch = args.length > 3 ? Integer.parseInt(args[3]) : 5;
    var influxd = InfluxProcess.findInfluxd();
    if (influxd.isEmpty()) {
      System.err.println("influxd not found: apt-get install influxdb influxdb-client");
      System.exit(1);
    }
    int timestamps = days * 86_400 / intervalS;
    int meters = Math.max(1, series / 10);
    long points = (long) (series + meters) * timestamps;
    System.out.printf(
        "%d gauge + %d counter series x %d timestamps (%d days every %d s) = %,d points,"
            + " batches of %,d samples, %d CPUs%n",
        series,
        meters,
        timestamps,
        days,
        intervalS,
        points,
        (series + meters) * perBatch,
        Runtime.getRuntime().availableProcessors());
    Path dir = Files.createTempDirectory("kilowatch-compare");
    // Short cold durations: InfluxDB snapshots its cache into TSM files and compacts them soon
    // after writes stop, so the size measured is what it keeps, not its write-ahead log.
    String cold =
        "cache-snapshot-write-cold-duration = \"1s\"\n  compact-full-write-cold-duration = \"2s\"";
    try (var server = InfluxProcess.start(influxd.get(), false, cold)) {
      var influx = InfluxStore.open(server.config("bench"));
      influx.createDatabase();
      Path embeddedDir = dir.resolve("embedded");
      // Raw retention of ten years: both stores keep every raw point, so sizes compare.
      EmbeddedStore embedded =
          EmbeddedStore.open(
              embeddedDir,
              Duration.ofDays(3650),
              Duration.ofDays(90),
              Duration.ofDays(1830),
              false);

      double embeddedRate =
          write("embedded", embedded, series, meters, timestamps, perBatch, intervalS);
      double influxRate =
          write("influxdb", influx, series, meters, timestamps, perBatch, intervalS);

      embedded.close();
      long embeddedBytes = du(embeddedDir);
      settle(server);
      long influxBytes =
          du(server.directory().resolve("data")) + du(server.directory().resolve("wal"));
      embedded =
          EmbeddedStore.open(
              embeddedDir,
              Duration.ofDays(3650),
              Duration.ofDays(90),
              Duration.ofDays(1830),
              false);

      Instant end = START.plus(Duration.ofDays(days));
      var all = SeriesQuery.of("gpu", "power_w");
      var counters = SeriesQuery.of("meter", "energy_kwh");
      final Store e = embedded;
      double embeddedMean = timed("embedded MEAN", () -> e.aggregate(all, START, end, h(), mean()));
      double influxMean =
          timed("influxdb MEAN", () -> influx.aggregate(all, START, end, h(), mean()));
      double embeddedCounter =
          timed("embedded COUNTER_DELTA", () -> e.aggregate(counters, START, end, h(), counter()));
      double influxCounter =
          timed(
              "influxdb COUNTER_DELTA",
              () -> influx.aggregate(counters, START, end, h(), counter()));
      embedded.close();
      influx.close();

      System.out.println();
      System.out.println("| measure | embedded (DuckDB) | InfluxDB 1.6 | embedded / InfluxDB |");
      System.out.println("|---|---|---|---|");
      row("write, points/s", embeddedRate, influxRate, "%,.0f");
      row(
          "%d-day 1 h-step MEAN, %d series, ms (median of 3)".formatted(days, series),
          embeddedMean,
          influxMean,
          "%,.0f");
      row(
          "%d-day 1 h-step COUNTER_DELTA, %d series, ms (median of 3)".formatted(days, series / 10),
          embeddedCounter,
          influxCounter,
          "%,.0f");
      row(
          "disk bytes per point",
          (double) embeddedBytes / points,
          (double) influxBytes / points,
          "%.2f");
      System.out.printf(
          "(allocated on disk: embedded %,d bytes, raw points only, before rollups; InfluxDB %,d"
              + " bytes of data + WAL after compaction)%n",
          embeddedBytes, influxBytes);
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static Duration h() {
    return Duration.ofHours(1);
  }

  private static Aggregate mean() {
    return Aggregate.MEAN;
  }

  private static Aggregate counter() {
    return Aggregate.COUNTER_DELTA;
  }

  private static void row(String what, double embedded, double influx, String format) {
    System.out.printf(
        "| %s | " + format + " | " + format + " | %.2f |%n",
        what,
        embedded,
        influx,
        embedded / influx);
  }

  /**
   * The same batches for every store: every series at {@code perBatch} consecutive timestamps;
   * gauges {@code gpu power_w} and energy counters {@code meter energy_kwh} that reset once,
   * midway.
   */
  private static List<Sample> batch(
      int series, int meters, int timestamps, int firstT, int count, int intervalS) {
    var batch = new ArrayList<Sample>((series + meters) * count);
    for (int t = firstT; t < firstT + count; t++) {
      Instant time = START.plusSeconds((long) t * intervalS);
      for (int s = 0; s < series; s++) {
        batch.add(
            new Sample(
                time,
                "gpu",
                new TreeMap<>(
                    Map.of("gpu", "g" + s, "node", "n" + s / 8, "group", String.valueOf(s % 10))),
                new TreeMap<>(Map.of("power_w", 300 + (s * 7 + t * 13) % 400 + t * 1e-3)),
                Quality.GOOD));
      }
      for (int m = 0; m < meters; m++) {
        int sinceReset = t < timestamps / 2 ? t : t - timestamps / 2;
        batch.add(
            new Sample(
                time,
                "meter",
                new TreeMap<>(Map.of("meter", "m" + m)),
                new TreeMap<>(Map.of("energy_kwh", sinceReset * (1 + m % 5) * 0.25)),
                Quality.GOOD));
      }
    }
    return batch;
  }

  private static double write(
      String name,
      Store store,
      int series,
      int meters,
      int timestamps,
      int perBatch,
      int intervalS) {
    long t0 = System.nanoTime();
    long generating = 0;
    for (int t = 0; t < timestamps; t += perBatch) {
      long g0 = System.nanoTime();
      var b = batch(series, meters, timestamps, t, Math.min(perBatch, timestamps - t), intervalS);
      generating += System.nanoTime() - g0;
      store.write(b);
    }
    double seconds = (System.nanoTime() - t0 - generating) / 1e9;
    double rate = (double) (series + meters) * timestamps / seconds;
    System.out.printf(
        "%s: wrote in %.1f s (generation excluded), %,.0f points/s%n", name, seconds, rate);
    return rate;
  }

  private static double timed(String name, Supplier<List<SeriesBuckets>> query) {
    query.get(); // warm-up: caches, JIT
    double[] ms = new double[3];
    int buckets = 0;
    double total = 0;
    for (int i = 0; i < ms.length; i++) {
      long t0 = System.nanoTime();
      var r = query.get();
      ms[i] = (System.nanoTime() - t0) / 1e6;
      buckets = r.stream().mapToInt(s -> s.buckets().size()).sum();
      total = r.stream().flatMap(s -> s.buckets().stream()).mapToDouble(b -> b.value()).sum();
    }
    Arrays.sort(ms);
    // The sum of every bucket's value: both stores must print the same.
    System.out.printf(
        "%s: %s ms, %,d buckets, values sum to %.6f%n", name, Arrays.toString(ms), buckets, total);
    return ms[1];
  }

  /** Waits until InfluxDB has snapshotted its write-ahead log and compacted the result. */
  private static void settle(InfluxProcess server) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    long last = -1;
    int stable = 0;
    while (System.nanoTime() < deadline) {
      long now = server.diskBytes();
      stable = now == last ? stable + 1 : 0;
      last = now;
      if (stable >= 10 && server.diskBytes("wal") < now / 100) {
        break;
      }
      // A benchmark waiting for influxd's disk to go quiet, not for an event: sample at a fixed
      // rate.
      Thread.sleep(500);
    }
    System.out.printf(
        "influxdb files (apparent sizes): data %,d bytes, wal %,d bytes%n",
        server.diskBytes("data"), server.diskBytes("wal"));
  }

  /**
   * Bytes allocated on disk ({@code du}): InfluxDB preallocates sparse series files of 4 MiB whose
   * apparent size says little about what they use.
   */
  private static long du(Path path) throws IOException, InterruptedException {
    var p = new ProcessBuilder("du", "-s", "--block-size=1", path.toString()).start();
    String out = new String(p.getInputStream().readAllBytes()).strip();
    if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("du failed for " + path);
    }
    return Long.parseLong(out.split("\\s+")[0]);
  }
}
