package io.kilowatch.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kilowatch.store.Run;
import io.kilowatch.store.SeriesKey;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link Store#runs} must answer, worked out from the raw readings the test wrote: the
 * reference a bin is compared with is the same figures computed pair by pair over those readings.
 */
final class RunChecks {
  private RunChecks() {}

  /** One good reading, as the test wrote it. */
  record Reading(long t, double v) {}

  /**
   * The figures of a sequence of runs taken as one: the pairs inside each run plus the pairs
   * between consecutive runs. Over single readings this is the definition of a bin; over a store's
   * runs it must give the same as over the readings they hold. Of equally long pairs the earliest
   * is the longest.
   */
  static Run combine(List<Run> runs) {
    Run first = runs.getFirst();
    long count = 0;
    double rise = 0;
    double area = 0;
    long longestMs = 0;
    double longestRise = 0;
    double longestArea = 0;
    int drops = 0;
    double dropFrom = 0;
    double dropTo = 0;
    Run prev = null;
    for (Run r : runs) {
      if (prev != null) {
        long dt = r.firstMs() - prev.lastMs();
        double d = r.first() - prev.last();
        double a = (prev.last() + r.first()) / 2 * dt;
        if (d >= 0) {
          rise += d;
        } else {
          drops++;
          dropFrom += prev.last();
          dropTo += r.first();
        }
        area += a;
        if (dt > longestMs) {
          longestMs = dt;
          longestRise = d;
          longestArea = a;
        }
      }
      count += r.count();
      rise += r.rise();
      area += r.area();
      drops += r.drops();
      dropFrom += r.dropFrom();
      dropTo += r.dropTo();
      if (r.longestMs() > longestMs) {
        longestMs = r.longestMs();
        longestRise = r.longestRise();
        longestArea = r.longestArea();
      }
      prev = r;
    }
    return new Run(
        first.firstMs(),
        first.first(),
        prev.lastMs(),
        prev.last(),
        count,
        rise,
        area,
        longestMs,
        longestRise,
        longestArea,
        drops,
        dropFrom,
        dropTo);
  }

  static Run ofReadings(List<Reading> readings) {
    return combine(readings.stream().map(r -> Run.of(r.t(), r.v())).toList());
  }

  /** Readings (sorted by time) with times in {@code [fromInclusive, toInclusive]}. */
  static List<Reading> between(List<Reading> readings, long fromInclusive, long toInclusive) {
    if (toInclusive < fromInclusive) {
      return List.of();
    }
    return readings.subList(
        indexAtOrAfter(readings, fromInclusive), indexAtOrAfter(readings, toInclusive + 1));
  }

  private static int indexAtOrAfter(List<Reading> readings, long t) {
    int lo = 0;
    int hi = readings.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (readings.get(mid).t() < t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  static void assertSameRun(Run actual, Run expected, String what) {
    if (same(actual, expected)) {
      return; // the fast path: AssertJ for a million runs takes seconds
    }
    assertThat(actual.firstMs()).as(what + " firstMs").isEqualTo(expected.firstMs());
    assertThat(actual.lastMs()).as(what + " lastMs").isEqualTo(expected.lastMs());
    assertThat(actual.count()).as(what + " count").isEqualTo(expected.count());
    assertThat(actual.longestMs()).as(what + " longestMs").isEqualTo(expected.longestMs());
    assertThat(actual.drops()).as(what + " drops").isEqualTo(expected.drops());
    close(actual.first(), expected.first(), what + " first");
    close(actual.last(), expected.last(), what + " last");
    close(actual.rise(), expected.rise(), what + " rise");
    close(actual.area(), expected.area(), what + " area");
    close(actual.longestRise(), expected.longestRise(), what + " longestRise");
    close(actual.longestArea(), expected.longestArea(), what + " longestArea");
    close(actual.dropFrom(), expected.dropFrom(), what + " dropFrom");
    close(actual.dropTo(), expected.dropTo(), what + " dropTo");
  }

  private static boolean same(Run a, Run e) {
    return a.firstMs() == e.firstMs()
        && a.lastMs() == e.lastMs()
        && a.count() == e.count()
        && a.longestMs() == e.longestMs()
        && a.drops() == e.drops()
        && near(a.first(), e.first())
        && near(a.last(), e.last())
        && near(a.rise(), e.rise())
        && near(a.area(), e.area())
        && near(a.longestRise(), e.longestRise())
        && near(a.longestArea(), e.longestArea())
        && near(a.dropFrom(), e.dropFrom())
        && near(a.dropTo(), e.dropTo());
  }

  private static boolean near(double a, double e) {
    return Math.abs(a - e) <= 1e-9 * Math.max(1, Math.abs(e));
  }

  private static void close(double actual, double expected, String what) {
    // Sums regrouped through bins may differ in the last bits.
    assertThat(actual).as(what).isCloseTo(expected, within(1e-9 * Math.max(1, Math.abs(expected))));
  }

  /**
   * A digest of every row of the rollup and points tables of a closed store's file, to show that
   * something changed nothing.
   */
  static Map<String, String> tableDigests(java.nio.file.Path dir) {
    var out = new java.util.TreeMap<String, String>();
    String url = "jdbc:duckdb:" + dir.resolve(EmbeddedStore.FILE_NAME).toAbsolutePath();
    try (var c = java.sql.DriverManager.getConnection(url);
        var st = c.createStatement()) {
      for (String table : List.of("rollup_1m", "rollup_1h", "points")) {
        try (var rs =
            st.executeQuery(
                "SELECT count(*), md5(string_agg(CAST(t AS VARCHAR), ';' ORDER BY t)) FROM "
                    + table
                    + " t")) {
          rs.next();
          out.put(table, rs.getLong(1) + " " + rs.getString(2));
        }
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  /** Every series' runs, as the store answers them, in the order it calls the sink. */
  static Map<SeriesKey, List<Run>> runs(Store store, SeriesQuery q, long from, long to) {
    var out = new LinkedHashMap<SeriesKey, List<Run>>();
    store.runs(
        q,
        Instant.ofEpochMilli(from),
        Instant.ofEpochMilli(to),
        Duration.ZERO,
        (key, runs) ->
            assertThat(out.put(key, List.copyOf(runs))).as("one call per series").isNull());
    return out;
  }

  /**
   * Checks one series' answer for {@code [from, to)} against its good readings: every run holds
   * exactly the readings between its first and last one and summarises them like the reference;
   * consecutive runs are true neighbours; at most one run before the range and one after it, and
   * each exists when a reading exists on that side. With {@code aligned} (range edges on hour
   * boundaries, so no bin straddles them) the runs in range hold exactly the readings in range.
   */
  static void check(List<Run> runs, List<Reading> readings, long from, long to, boolean aligned) {
    String what = "[" + Instant.ofEpochMilli(from) + ", " + Instant.ofEpochMilli(to) + ")";
    if (readings.isEmpty()) {
      assertThat(runs).as(what).isNull();
      return;
    }
    assertThat(runs).as(what + " series answered").isNotNull().isNotEmpty();
    for (int i = 0; i < runs.size(); i++) {
      Run r = runs.get(i);
      var inside = between(readings, r.firstMs(), r.lastMs());
      assertThat(inside).as(what + " readings of run " + i).isNotEmpty();
      assertSameRun(r, ofReadings(inside), what + " run " + i + " " + r);
      if (i > 0) {
        Run p = runs.get(i - 1);
        assertThat(r.firstMs()).as(what + " order").isGreaterThan(p.lastMs());
        assertThat(between(readings, p.lastMs() + 1, r.firstMs() - 1))
            .as(what + " readings between runs " + (i - 1) + " and " + i)
            .isEmpty();
      }
    }
    long before = runs.stream().filter(r -> r.firstMs() < from).count();
    long after = runs.stream().filter(r -> r.firstMs() >= to).count();
    assertThat(before).as(what + " runs before").isLessThanOrEqualTo(1);
    assertThat(after).as(what + " runs after").isLessThanOrEqualTo(1);
    boolean readingBefore = readings.getFirst().t() < from;
    assertThat(before == 1).as(what + " a run before when a reading is").isEqualTo(readingBefore);
    Run last = runs.getLast();
    boolean readingAfterLast = readings.getLast().t() > last.lastMs();
    if (after == 0) {
      assertThat(readingAfterLast).as(what + " nothing after the last run in range").isFalse();
    }
    boolean readingAtOrAfterTo = readings.stream().anyMatch(r -> r.t() >= to);
    if (aligned) {
      assertThat(after == 1)
          .as(what + " a run after when a reading is")
          .isEqualTo(readingAtOrAfterTo);
      var inRange = runs.stream().filter(r -> r.firstMs() >= from && r.firstMs() < to).toList();
      var expected = between(readings, from, to - 1);
      if (expected.isEmpty()) {
        assertThat(inRange).as(what + " runs in range").isEmpty();
      } else {
        // The totals the energy rules build: inner figures plus the pairs between runs.
        assertSameRun(combine(inRange), ofReadings(expected), what + " whole range");
      }
    }
  }

  /**
   * Runs of every series must come from the source that holds their time: single readings from the
   * raw horizon on, minute bins before it, hour bins before the minute horizon. Returns whether
   * some hour bin spans more than a minute.
   */
  static boolean assertSources(
      Map<SeriesKey, List<Run>> answer, long minuteHorizon, long rawHorizon) {
    boolean sawHourSpan = false;
    for (var e : answer.entrySet()) {
      for (Run r : e.getValue()) {
        if (r.firstMs() >= rawHorizon) {
          assertThat(r.single()).as(e.getKey() + " raw after the raw horizon " + r).isTrue();
        } else if (r.firstMs() >= minuteHorizon) {
          assertThat(Math.floorDiv(r.lastMs(), 60_000L))
              .as(e.getKey() + " minute bin " + r)
              .isEqualTo(Math.floorDiv(r.firstMs(), 60_000L));
        } else {
          assertThat(Math.floorDiv(r.lastMs(), 3_600_000L))
              .as(e.getKey() + " hour bin " + r)
              .isEqualTo(Math.floorDiv(r.firstMs(), 3_600_000L));
          sawHourSpan |= r.lastMs() - r.firstMs() > 60_000;
        }
      }
    }
    return sawHourSpan;
  }
}
