package io.kilowatch.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * Whatever the writes (several series; batches with points out of order; points written again, as
 * they were or with another quality; late points into minutes rolled up or not; bad and non-finite
 * readings; maintenance at any point between writes; the store reopened in the middle of a minute),
 * the minute rollups the store ends with are the roll-up of the points it stores ({@link
 * StepSql#rawMinuteBins}), to rounding: the re-roll of late data merges them in another order (and
 * does not keep the sign of a zero minimum, which the comparison to rounding also lets through).
 * All raw points are kept here (retention of ten years), so the re-roll is the one from raw points,
 * not the merge below the raw horizon. And one minute worked by hand from the roll-up's rule.
 */
class MinuteRollupPropertyTest {
  private static final long MINUTE = 60_000;
  private static final long T0 = Instant.parse("2026-03-01T00:00:00Z").toEpochMilli();

  /** One point of a write: series index, its time from T0, value, quality. */
  record Point(int series, long at, double value, Quality quality) {}

  /** A write of some points, then maybe maintenance or a reopen. */
  record Step(List<Point> points, boolean maintain, boolean reopen) {}

  @Provide
  Arbitrary<List<Step>> steps() {
    Arbitrary<Double> value =
        Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.doubles().between(-50, 500).ofScale(3)),
            Tuple.of(1, Arbitraries.just(100.0)),
            Tuple.of(1, Arbitraries.just(-0.0)),
            Tuple.of(
                1, Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY)));
    Arbitrary<Quality> quality =
        Arbitraries.frequencyOf(
            Tuple.of(8, Arbitraries.just(Quality.GOOD)),
            Tuple.of(1, Arbitraries.just(Quality.UNCERTAIN)),
            Tuple.of(1, Arbitraries.just(Quality.BAD)));
    Arbitrary<Point> point =
        Combinators.combine(
                Arbitraries.integers().between(0, 3),
                Arbitraries.longs().between(0, 6 * MINUTE),
                value,
                quality)
            .as(Point::new);
    Arbitrary<Integer> one = Arbitraries.integers().between(0, 9);
    return Combinators.combine(point.list().ofMinSize(1).ofMaxSize(12), one, one)
        .as((ps, m, r) -> new Step(ps, m < 3, r == 0))
        .list()
        .ofMinSize(4)
        .ofMaxSize(40)
        .map(MinuteRollupPropertyTest::mostlyInOrder);
  }

  /**
   * Points come mostly in time order, as a collector writes them: each step's points are moved
   * after the previous step's, but for some, which stay where they fell (late, out of order), and
   * some which repeat a point written before, as it was or turned bad (a replay, a correction).
   */
  private static List<Step> mostlyInOrder(List<Step> steps) {
    var out = new ArrayList<Step>();
    var written = new ArrayList<Point>();
    long base = 0;
    int i = 0;
    for (Step s : steps) {
      var ps = new ArrayList<Point>();
      long last = base;
      for (Point p : s.points()) {
        int n = i++;
        if (n % 11 == 5 && !written.isEmpty()) {
          Point again = written.get(n % written.size());
          ps.add(
              n % 2 == 0
                  ? again
                  : new Point(again.series(), again.at(), again.value(), Quality.BAD));
          continue;
        }
        boolean late = n % 7 == 3;
        // Half on a 4 s grid, so that equal gaps (the longest's tie-break) come up.
        long ahead = p.at() % 2 == 0 ? (p.at() % 12) * 2_000 : p.at() % 40_000;
        long at = late ? p.at() : base + ahead;
        last = Math.max(last, at);
        ps.add(new Point(p.series(), at, p.value(), p.quality()));
      }
      written.addAll(ps);
      if (i % 5 != 0) {
        ps.sort(Comparator.comparingLong(Point::at));
      }
      base = last + 1;
      out.add(new Step(ps, s.maintain(), s.reopen()));
    }
    return out;
  }

  @Property(tries = 25)
  void theMinuteRollupsAreTheRollupOfTheStoredPoints(@ForAll("steps") List<Step> steps)
      throws IOException, SQLException {
    Path dir = Files.createTempDirectory("kilowatch-minute-rollup");
    try {
      var store = open(dir);
      long latest = T0;
      // Minutes before this are rolled up: a point written into one is re-rolled, the path that can
      // differ from the roll-up of the stored points.
      long rolledBelow = Long.MIN_VALUE;
      int intoRolled = 0;
      try {
        for (Step s : steps) {
          var batch = new ArrayList<Sample>();
          for (Point p : s.points()) {
            latest = Math.max(latest, T0 + p.at());
            if (T0 + p.at() < rolledBelow) {
              intoRolled++;
            }
            batch.add(sample(p.series(), p.at(), p.value(), p.quality()));
          }
          store.write(batch);
          if (s.maintain()) {
            // Minutes that ended 2 min (the grace) before this are rolled up: those before
            // latest's.
            store.maintain(Instant.ofEpochMilli(latest + 2 * MINUTE + 1));
            rolledBelow = Math.floorDiv(latest + 1, MINUTE) * MINUTE;
          }
          if (s.reopen()) {
            store.close();
            store = open(dir);
          }
        }
        store.maintain(Instant.ofEpochMilli(latest + 10 * MINUTE));
      } finally {
        store.close();
      }
      var stored = rows(dir, "SELECT * FROM rollup_1m");
      var sql = rows(dir, StepSql.rawMinuteBins(null, T0 - MINUTE, latest + 10 * MINUTE));
      Statistics.label("points into rolled-up minutes").collect(intoRolled > 0);
      Statistics.label("points into rolled-up minutes")
          .coverage(c -> c.check(true).percentage(p -> p >= 40));
      Statistics.label("minute rollups").collect(!sql.isEmpty());
      Statistics.label("minute rollups").coverage(c -> c.check(true).percentage(p -> p >= 90));
      assertThat(stored).hasSameSizeAs(sql);
      for (int r = 0; r < sql.size(); r++) {
        for (String column : sql.get(r).keySet()) {
          Object want = sql.get(r).get(column);
          Object got = stored.get(r).get(column);
          String what = "row " + r + " " + column + " of " + stored.get(r) + " vs " + sql.get(r);
          if (want instanceof Double w && got instanceof Double g) {
            assertThat(g).as(what).isCloseTo(w, within(1e-9 * Math.max(1, Math.abs(w))));
          } else {
            assertThat(got).as(what).isEqualTo(want);
          }
        }
      }
    } finally {
      delete(dir);
    }
  }

  /**
   * A minute worked by hand from the roll-up's rule (StepSql.rawMinuteBins): readings 10, 20, 5 at
   * 0, 20 and 40 s. Pairs: (10 → 20, 20 s, rise 10, area 15 × 20,000) and (20 → 5, 20 s, a drop
   * from 20 to 5, area 12.5 × 20,000); the longest gap is the first of the two equal ones. Increase
   * = rise 10 + 5 after the drop. A bad reading in between changes nothing; the next minute's
   * reading is not paired with this minute's last.
   */
  @org.junit.jupiter.api.Test
  void aMinuteWorkedByHandIsRolledUpByTheRule() throws IOException, SQLException {
    Path dir = Files.createTempDirectory("kilowatch-minute-rollup");
    try {
      try (var store = open(dir)) {
        store.write(List.of(sample(0, 10, Quality.GOOD), sample(20_000, 20, Quality.GOOD)));
        store.write(List.of(sample(30_000, 999, Quality.BAD), sample(40_000, 5, Quality.GOOD)));
        store.write(List.of(sample(MINUTE + 5_000, 7, Quality.GOOD)));
        store.maintain(Instant.ofEpochMilli(T0 + 10 * MINUTE));
      }
      assertThat(table(dir, "SELECT * FROM rollup_1m WHERE bucket = " + T0))
          .containsExactly(
              "series_id=0 bucket="
                  + T0
                  + " count_good=3 sum_value="
                  + bits(35)
                  + " min_value="
                  + bits(5)
                  + " max_value="
                  + bits(20)
                  + " first_val="
                  + bits(10)
                  + " first_ts="
                  + T0
                  + " last_val="
                  + bits(5)
                  + " last_ts="
                  + (T0 + 40_000)
                  + " increase="
                  + bits(15)
                  + " rise="
                  + bits(10)
                  + " area="
                  + bits(550_000)
                  + " longest_ms=20000 longest_rise="
                  + bits(10)
                  + " longest_area="
                  + bits(300_000)
                  + " drops=1 drop_from="
                  + bits(20)
                  + " drop_to="
                  + bits(5)
                  + " ");
      // Alone in its minute: no pair, so every pair figure is 0.
      assertThat(table(dir, "SELECT * FROM rollup_1m WHERE bucket = " + (T0 + MINUTE)))
          .containsExactly(
              "series_id=0 bucket="
                  + (T0 + MINUTE)
                  + " count_good=1 sum_value="
                  + bits(7)
                  + " min_value="
                  + bits(7)
                  + " max_value="
                  + bits(7)
                  + " first_val="
                  + bits(7)
                  + " first_ts="
                  + (T0 + MINUTE + 5_000)
                  + " last_val="
                  + bits(7)
                  + " last_ts="
                  + (T0 + MINUTE + 5_000)
                  + " increase="
                  + bits(0)
                  + " rise="
                  + bits(0)
                  + " area="
                  + bits(0)
                  + " longest_ms=0 longest_rise="
                  + bits(0)
                  + " longest_area="
                  + bits(0)
                  + " drops=0 drop_from="
                  + bits(0)
                  + " drop_to="
                  + bits(0)
                  + " ");
    } finally {
      delete(dir);
    }
  }

  private static Sample sample(long at, double value, Quality quality) {
    return sample(0, at, value, quality);
  }

  private static Sample sample(int gpu, long at, double value, Quality quality) {
    return new Sample(
        Instant.ofEpochMilli(T0 + at),
        "gpu",
        new TreeMap<>(Map.of("gpu", "g" + gpu)),
        new TreeMap<>(Map.of("power_w", value)),
        quality);
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static String bits(double d) {
    return Double.toHexString(d) + "/" + d;
  }

  private static EmbeddedStore open(Path dir) {
    return EmbeddedStore.open(
        dir, Duration.ofDays(3650), Duration.ofDays(3650), Duration.ofDays(3650), false);
  }

  /** Every row's columns by name, in table order; rows in key order. */
  private static List<Map<String, Object>> rows(Path dir, String select) throws SQLException {
    var rows = new ArrayList<Map<String, Object>>();
    String url = "jdbc:duckdb:" + dir.resolve(EmbeddedStore.FILE_NAME).toAbsolutePath();
    try (var c = DriverManager.getConnection(url);
        var st = c.createStatement();
        var rs = st.executeQuery("SELECT * FROM (" + select + ") ORDER BY series_id, bucket")) {
      var meta = rs.getMetaData();
      while (rs.next()) {
        var row = new java.util.LinkedHashMap<String, Object>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          row.put(meta.getColumnName(i), rs.getObject(i));
        }
        rows.add(row);
      }
    }
    return rows;
  }

  /** Every row as text, doubles by their exact bits (so 0.0 and -0.0 differ), in key order. */
  private static List<String> table(Path dir, String select) throws SQLException {
    var out = new ArrayList<String>();
    for (var row : rows(dir, select)) {
      var text = new StringBuilder();
      row.forEach(
          (name, o) ->
              text.append(name)
                  .append('=')
                  .append(o instanceof Double d ? bits(d) : String.valueOf(o))
                  .append(' '));
      out.add(text.toString());
    }
    return out;
  }
}
