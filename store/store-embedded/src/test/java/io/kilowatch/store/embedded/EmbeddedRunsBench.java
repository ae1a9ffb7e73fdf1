package io.kilowatch.store.embedded;

import io.kilowatch.store.Aggregate;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.store.SeriesQuery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * How long {@link EmbeddedStore#runs} takes over a month of many series, and what back-filling that
 * month costs, run on demand (see the package README). Arguments: series, days, minutes between
 * readings.
 */
public final class EmbeddedRunsBench {
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  private static final long DAY = 86_400_000L;

  private EmbeddedRunsBench() {}

  public static void main(String[] args) throws Exception {
    int series = args.length > 0 ? Integer.parseInt(args[0]) : 1_576;
    int days = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    int stepMinutes = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    Path dir = Files.createTempDirectory("kilowatch-runs-bench");
    try {
      run(dir, series, days, stepMinutes);
    } finally {
      delete(dir);
    }
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** Every series at one time: power for three in four, an energy counter for the fourth. */
  private static List<Sample> at(int series, long t) {
    var batch = new ArrayList<Sample>(series);
    Instant time = Instant.ofEpochMilli(t);
    long k = t / 60_000;
    for (int s = 0; s < series; s++) {
      var tags = new TreeMap<>(Map.of("gpu", "g" + s, "node", "n" + s / 8));
      double v =
          s % 4 == 0
              ? (k * (s % 7 + 1)) % 5_000_000 / 10.0
              : 300 + (s * 7 + k * 13) % 400 + (k % 1000) * 1e-3;
      batch.add(
          new Sample(
              time,
              "gpu",
              tags,
              new TreeMap<>(Map.of(s % 4 == 0 ? "energy_wh" : "power_w", v)),
              Quality.GOOD));
    }
    return batch;
  }

  private static long writeDays(EmbeddedStore store, int series, long from, long to, long step) {
    long points = 0;
    var batch = new ArrayList<Sample>();
    for (long t = from; t < to; t += step) {
      batch.addAll(at(series, t));
      if (batch.size() >= 40_000) {
        store.write(batch);
        points += batch.size();
        batch.clear();
      }
    }
    store.write(batch);
    return points + batch.size();
  }

  private static String seconds(long startedNanos) {
    return String.format("%.2f s", (System.nanoTime() - startedNanos) / 1e9);
  }

  private static void runs(EmbeddedStore store, String what, long from, long to) {
    var runs = new AtomicLong();
    var readings = new AtomicLong();
    var calls = new AtomicLong();
    long t = System.nanoTime();
    store.runs(
        SeriesQuery.of("gpu", null),
        Instant.ofEpochMilli(from),
        Instant.ofEpochMilli(to),
        Duration.ZERO,
        (key, list) -> {
          calls.incrementAndGet();
          runs.addAndGet(list.size());
          list.forEach(r -> readings.addAndGet(r.count()));
        });
    System.out.printf(
        "runs %-28s %s: %d series, %d runs, %d readings%n",
        what, seconds(t), calls.get(), runs.get(), readings.get());
  }

  private static void run(Path dir, int series, int days, int stepMinutes) throws Exception {
    long step = stepMinutes * 60_000L;
    long start = START.toEpochMilli();
    long end = start + days * DAY;
    System.out.printf(
        "%d series x %d days x %d min = %d readings%n",
        series, days, stepMinutes, (long) series * days * DAY / step);

    // As it happens: written in time order, maintained once per (simulated) day.
    try (var store =
        EmbeddedStore.open(
            dir.resolve("live"),
            Duration.ofDays(7),
            Duration.ofDays(90),
            Duration.ofDays(1830),
            false)) {
      long writing = 0;
      long maintaining = 0;
      long points = 0;
      for (long d = start; d < end; d += DAY) {
        long t = System.nanoTime();
        points += writeDays(store, series, d, d + DAY, step);
        writing += System.nanoTime() - t;
        t = System.nanoTime();
        store.maintain(Instant.ofEpochMilli(d + DAY + 5 * 60_000));
        maintaining += System.nanoTime() - t;
      }
      System.out.printf(
          "live: %d points written in %.1f s (%.0f points/s), daily maintenance %.1f s in all,"
              + " %d raw points left%n",
          points, writing / 1e9, points / (writing / 1e9), maintaining / 1e9, store.pointCount());
      runs(store, "month (minute bins + raw)", start, end);
      runs(store, "month again", start, end);
      runs(store, "last day (raw)", end - DAY, end);
      runs(store, "a day 3 weeks back", start + 5 * DAY, start + 6 * DAY);
      long t = System.nanoTime();
      var mean =
          store.aggregate(
              SeriesQuery.of("gpu", null),
              Instant.ofEpochMilli(start),
              Instant.ofEpochMilli(end),
              Duration.ofHours(1),
              Aggregate.MEAN);
      System.out.printf(
          "aggregate MEAN 1 h over the month: %s (%d series)%n", seconds(t), mean.size());
      t = System.nanoTime();
      store.maintain(Instant.ofEpochMilli(end + 100 * DAY));
      System.out.printf("maintenance 100 days later (minute bins expire): %s%n", seconds(t));
      runs(store, "month (hour bins)", start, end);
    }

    // Back-fill: a store running for a day is sent the month before it.
    try (var store =
        EmbeddedStore.open(
            dir.resolve("backfill"),
            Duration.ofDays(7),
            Duration.ofDays(90),
            Duration.ofDays(1830),
            false)) {
      writeDays(store, series, end, end + DAY, step);
      store.maintain(Instant.ofEpochMilli(end + DAY + 5 * 60_000));
      long t = System.nanoTime();
      long points = writeDays(store, series, start, end, step);
      System.out.printf("back-fill: %d points written in %s%n", points, seconds(t));
      t = System.nanoTime();
      store.maintain(Instant.ofEpochMilli(end + DAY + 5 * 60_000));
      System.out.printf(
          "back-fill: maintenance merging it in %s, %d raw points left%n",
          seconds(t), store.pointCount());
      runs(store, "back-filled month", start, end);
      t = System.nanoTime();
      writeDays(store, series, start, end, step);
      store.maintain(Instant.ofEpochMilli(end + DAY + 5 * 60_000));
      System.out.printf("back-fill again (changes nothing): write + maintenance %s%n", seconds(t));
    }
  }
}
