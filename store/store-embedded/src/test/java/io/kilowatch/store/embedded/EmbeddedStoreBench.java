package io.kilowatch.store.embedded;

import io.kilowatch.store.Aggregate;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.store.SeriesQuery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Write and query throughput of {@link EmbeddedStore}, run on demand (see the package README).
 * Arguments: series, timestamps per series (10 s apart), baseline batches.
 */
public final class EmbeddedStoreBench {
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  private static final int STEP_S = 10;

  private EmbeddedStoreBench() {}

  public static void main(String[] args) throws Exception {
    int series = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
    int timestamps = args.length > 1 ? Integer.parseInt(args[1]) : 8_640;
    int baselineBatches = args.length > 2 ? Integer.parseInt(args[2]) : 50;
    Path dir = Files.createTempDirectory("kilowatch-bench");
    try {
      run(dir, series, timestamps, baselineBatches);
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** One batch: every series at one timestamp, as a collector cycle delivers them. */
  private static List<Sample> batch(int series, int t) {
    var batch = new ArrayList<Sample>(series);
    Instant time = START.plusSeconds((long) t * STEP_S);
    for (int s = 0; s < series; s++) {
      batch.add(
          new Sample(
              time,
              "gpu",
              new TreeMap<>(Map.of("gpu", "g" + s, "node", "n" + s / 8)),
              new TreeMap<>(Map.of("power_w", 300 + (s * 7 + t * 13) % 400 + t * 1e-3)),
              Quality.GOOD));
    }
    return batch;
  }

  private static void run(Path dir, int series, int timestamps, int baselineBatches)
      throws Exception {
    long points = (long) series * timestamps;
    System.out.printf(
        "%d series x %d timestamps = %,d points in batches of %d%n",
        series, timestamps, points, series);

    // Raw retention of one hour, so that the second query below is answered from rollups.
    Path storeDir = dir.resolve("store");
    var store =
        EmbeddedStore.open(
            storeDir, Duration.ofHours(1), Duration.ofDays(90), Duration.ofDays(1830), false);
    long t0 = System.nanoTime();
    long q = System.nanoTime();
    int quarter = Math.max(1, timestamps / 4);
    for (int t = 0; t < timestamps; t++) {
      store.write(batch(series, t));
      if ((t + 1) % quarter == 0) {
        // Shows whether appends slow down as the table grows.
        System.out.printf(
            "  batches %d..%d: %,.0f points/s%n",
            t + 1 - quarter, t, (double) quarter * series / ((System.nanoTime() - q) / 1e9));
        q = System.nanoTime();
      }
    }
    double writeS = (System.nanoTime() - t0) / 1e9;
    double storeRate = points / writeS;
    System.out.printf("store write: %.1f s, %,.0f points/s%n", writeS, storeRate);
    store.close();
    long bytes = sizeOf(storeDir);
    System.out.printf(
        "file after close: %,d bytes, %.2f bytes/point%n", bytes, (double) bytes / points);

    store =
        EmbeddedStore.open(
            storeDir, Duration.ofHours(1), Duration.ofDays(90), Duration.ofDays(1830), false);
    // Whole hours: once raw points are gone, rollups answer whole buckets only.
    Instant end = START.plus(Duration.ofHours(((long) timestamps * STEP_S + 3599) / 3600));
    var query = SeriesQuery.of("gpu", "power_w");
    for (int i = 0; i < 3; i++) {
      long q0 = System.nanoTime();
      var r = store.aggregate(query, START, end, Duration.ofHours(1), Aggregate.MEAN);
      System.out.printf(
          "1 h-step MEAN over the range, %d series, raw: %.0f ms%n",
          r.size(), (System.nanoTime() - q0) / 1e6);
    }
    long q0 = System.nanoTime();
    var c = store.aggregate(query, START, end, Duration.ofHours(1), Aggregate.COUNTER_DELTA);
    System.out.printf(
        "1 h-step COUNTER_DELTA, %d series, raw: %.0f ms%n",
        c.size(), (System.nanoTime() - q0) / 1e6);

    long m0 = System.nanoTime();
    store.maintain(end.plus(Duration.ofHours(2)));
    System.out.printf(
        "maintain (roll up all, drop raw): %.1f s, raw points left %d%n",
        (System.nanoTime() - m0) / 1e9, store.pointCount());
    for (int i = 0; i < 3; i++) {
      long r0 = System.nanoTime();
      var r = store.aggregate(query, START, end, Duration.ofHours(1), Aggregate.MEAN);
      System.out.printf(
          "1 h-step MEAN over the range, %d series, rollup_1h: %.0f ms%n",
          r.size(), (System.nanoTime() - r0) / 1e6);
    }
    store.close();
    System.out.printf(
        "file with rollups only: %,d bytes (freed raw blocks are reused, not returned)%n",
        sizeOf(storeDir));
    rollupRowSize(storeDir.resolve(EmbeddedStore.FILE_NAME), dir.resolve("rollup-copy.duckdb"));

    double baselineRate = baseline(dir.resolve("baseline.duckdb"), series, baselineBatches);
    System.out.printf(
        "baseline PreparedStatement batch insert: %,.0f points/s (%d batches)%n",
        baselineRate, baselineBatches);
    System.out.printf("store / baseline: %.1fx%n", storeRate / baselineRate);
  }

  /** The same rows through plain JDBC batch inserts into the same engine and table layout. */
  private static double baseline(Path file, int series, int batches) throws SQLException {
    try (var c = DriverManager.getConnection("jdbc:duckdb:" + file)) {
      try (var st = c.createStatement()) {
        st.execute(
            "CREATE TABLE points (series_id INTEGER, ts BIGINT, value DOUBLE, quality UTINYINT)");
      }
      long t0 = System.nanoTime();
      try (var ps = c.prepareStatement("INSERT INTO points VALUES (?, ?, ?, ?)")) {
        for (int t = 0; t < batches; t++) {
          for (Sample s : batch(series, t)) {
            ps.setInt(1, Integer.parseInt(s.tags().get("gpu").substring(1)));
            ps.setLong(2, s.time().toEpochMilli());
            ps.setDouble(3, s.fields().get("power_w"));
            ps.setByte(4, s.quality().code());
            ps.addBatch();
          }
          ps.executeBatch();
        }
      }
      return (double) series * batches / ((System.nanoTime() - t0) / 1e9);
    }
  }

  /** Bytes per minute-rollup row, measured on a compact copy of the table. */
  private static void rollupRowSize(Path storeFile, Path copy) throws Exception {
    long rows;
    try (var c = DriverManager.getConnection("jdbc:duckdb:" + storeFile);
        var st = c.createStatement()) {
      try (var rs = st.executeQuery("SELECT count(*) FROM rollup_1m")) {
        rs.next();
        rows = rs.getLong(1);
      }
      st.execute("ATTACH '" + copy + "' AS copy");
      st.execute("CREATE TABLE copy.r AS SELECT * FROM rollup_1m ORDER BY bucket, series_id");
      st.execute("DETACH copy");
    }
    System.out.printf(
        "rollup_1m: %,d rows, %.1f bytes/row (compact copy)%n",
        rows, (double) Files.size(copy) / rows);
  }

  private static long sizeOf(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }
}
