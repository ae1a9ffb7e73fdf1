package io.kilowatch.store.embedded;

import static io.kilowatch.store.embedded.RunChecks.between;
import static io.kilowatch.store.embedded.RunChecks.check;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kilowatch.store.Aggregate;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Run;
import io.kilowatch.store.Sample;
import io.kilowatch.store.SeriesBuckets;
import io.kilowatch.store.SeriesKey;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.RunChecks.Reading;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database written by the version before runs (rollups without the run columns, and whose {@code
 * increase} included the pair into each bin) opens, keeps answering its aggregates as before, and
 * answers runs: exactly where raw points are kept, conservatively where they are gone.
 */
class EmbeddedStoreMigrationTest {
  private static final long MINUTE = 60_000;
  private static final long HOUR = 3_600_000;
  private static final long DAY = 24 * HOUR;
  private static final long T0 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
  private static final SeriesQuery ALL = SeriesQuery.of("", null);
  private static final SeriesKey METER = SeriesKey.of("meter", Map.of("id", "m1"), "energy_kwh");
  private static final SeriesKey PDU = SeriesKey.of("pdu", Map.of("rack", "r1"), "power_w");
  private static final long UNSET = Long.MIN_VALUE;

  /** The schema before runs, as that version created it. */
  private static final String OLD_SCHEMA =
      """
      CREATE TABLE series (
        id INTEGER PRIMARY KEY, measurement VARCHAR NOT NULL, tags VARCHAR NOT NULL,
        field VARCHAR NOT NULL, UNIQUE (measurement, tags, field));
      CREATE TABLE points (
        series_id INTEGER NOT NULL, ts BIGINT NOT NULL, value DOUBLE, quality UTINYINT NOT NULL);
      CREATE TABLE staging (
        series_id INTEGER NOT NULL, ts BIGINT NOT NULL, value DOUBLE, quality UTINYINT NOT NULL);
      CREATE TABLE rollup_1m (
        series_id INTEGER NOT NULL, bucket BIGINT NOT NULL, count_good BIGINT, sum_value DOUBLE,
        min_value DOUBLE, max_value DOUBLE, first_val DOUBLE, first_ts BIGINT, last_val DOUBLE,
        last_ts BIGINT, increase DOUBLE);
      CREATE TABLE rollup_1h (
        series_id INTEGER NOT NULL, bucket BIGINT NOT NULL, count_good BIGINT, sum_value DOUBLE,
        min_value DOUBLE, max_value DOUBLE, first_val DOUBLE, first_ts BIGINT, last_val DOUBLE,
        last_ts BIGINT, increase DOUBLE);
      CREATE TABLE rollup_dirty (series_id INTEGER NOT NULL, bucket BIGINT NOT NULL);
      CREATE TABLE meta (name VARCHAR PRIMARY KEY, value BIGINT NOT NULL);
      """;

  @TempDir Path dir;
  @TempDir Path rawDir;
  private EmbeddedStore store;
  private EmbeddedStore rawOnly;

  private final Map<SeriesKey, List<Reading>> readings = new LinkedHashMap<>();

  @AfterEach
  void closeStores() {
    for (var s : new EmbeddedStore[] {store, rawOnly}) {
      if (s != null) {
        s.close();
      }
    }
  }

  /** Three hours: a counter every 20 s with resets at +20 min and +70 min, power every 15 s. */
  private void threeHours() {
    var meter = new ArrayList<Reading>();
    double v = 500;
    for (long t = T0; t < T0 + 3 * HOUR; t += 20_000) {
      v =
          t == T0 + 20 * MINUTE || t == T0 + 70 * MINUTE + 20_000
              ? 0.5
              : v + 0.25 + (t / 20_000) % 3;
      meter.add(new Reading(t, v));
    }
    var pdu = new ArrayList<Reading>();
    for (long t = T0 + 5_000; t < T0 + 3 * HOUR; t += 15_000) {
      pdu.add(new Reading(t, 1000 + (t / 15_000) % 11 * 10));
    }
    readings.put(METER, meter);
    readings.put(PDU, pdu);
  }

  /**
   * What the old version stored for one bin: increase includes the pair from the reading before.
   */
  private static Object[] oldRow(int id, long bucket, List<Reading> in, Reading before) {
    double sum = 0;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    double increase = 0;
    Reading prev = before;
    for (Reading r : in) {
      sum += r.v();
      min = Math.min(min, r.v());
      max = Math.max(max, r.v());
      if (prev != null) {
        increase += r.v() >= prev.v() ? r.v() - prev.v() : r.v();
      }
      prev = r;
    }
    return new Object[] {
      id,
      bucket,
      (long) in.size(),
      sum,
      min,
      max,
      in.getFirst().v(),
      in.getFirst().t(),
      in.getLast().v(),
      in.getLast().t(),
      increase
    };
  }

  private static void insertBins(
      Connection c, String table, int id, List<Reading> all, long from, long to, long size)
      throws SQLException {
    try (var ps = c.prepareStatement("INSERT INTO " + table + " VALUES (?,?,?,?,?,?,?,?,?,?,?)")) {
      for (long b = from; b < to; b += size) {
        var in = between(all, b, b + size - 1);
        if (in.isEmpty()) {
          continue;
        }
        int i = all.indexOf(in.getFirst());
        Object[] row = oldRow(id, b, in, i == 0 ? null : all.get(i - 1));
        for (int k = 0; k < row.length; k++) {
          ps.setObject(k + 1, row[k]);
        }
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /**
   * An old database: raw points from {@code rawHorizon} on (plus each series' last good one before
   * it), minute bins from {@code minuteHorizon}, hour bins for everything, as that version's
   * maintenance left them at {@code T0 + 3 h}.
   */
  private void writeOldDatabase(long rawHorizon, long minuteHorizon) throws SQLException {
    String url = "jdbc:duckdb:" + dir.resolve(EmbeddedStore.FILE_NAME).toAbsolutePath();
    try (var c = DriverManager.getConnection(url);
        var st = c.createStatement()) {
      st.execute(OLD_SCHEMA);
      st.execute("INSERT INTO series VALUES (0, 'meter', 'id=m1', 'energy_kwh')");
      st.execute("INSERT INTO series VALUES (1, 'pdu', 'rack=r1', 'power_w')");
      int id = 0;
      for (var all : readings.values()) {
        try (var ps = c.prepareStatement("INSERT INTO points VALUES (?, ?, ?, 0)")) {
          var kept = between(all, Long.MIN_VALUE, rawHorizon - 1);
          for (Reading r : all) {
            if (r.t() >= rawHorizon || !kept.isEmpty() && r == kept.getLast()) {
              ps.setInt(1, id);
              ps.setLong(2, r.t());
              ps.setDouble(3, r.v());
              ps.addBatch();
            }
          }
          ps.executeBatch();
        }
        insertBins(c, "rollup_1m", id, all, Math.max(T0, minuteHorizon), T0 + 3 * HOUR, MINUTE);
        insertBins(c, "rollup_1h", id, all, T0, T0 + 3 * HOUR, HOUR);
        id++;
      }
      var meta = new TreeMap<String, Long>();
      meta.put("watermark_1m", T0 + 3 * HOUR);
      meta.put("watermark_1h", T0 + 3 * HOUR);
      if (rawHorizon != UNSET) {
        meta.put("raw_horizon", rawHorizon);
        meta.put("minute_horizon", minuteHorizon);
        meta.put("hour_horizon", T0 - 1000 * DAY);
      }
      for (var e : meta.entrySet()) {
        st.execute("INSERT INTO meta VALUES ('" + e.getKey() + "', " + e.getValue() + ")");
      }
    }
  }

  /** The same readings in a store that keeps them all raw: what the old version answered too. */
  private EmbeddedStore rawOnly() {
    rawOnly =
        EmbeddedStore.open(
            rawDir, Duration.ofDays(1), Duration.ofDays(30), Duration.ofDays(1830), false);
    for (var e : readings.entrySet()) {
      var key = e.getKey();
      rawOnly.write(
          e.getValue().stream()
              .map(
                  r ->
                      new Sample(
                          Instant.ofEpochMilli(r.t()),
                          key.measurement(),
                          new TreeMap<>(key.tags()),
                          new TreeMap<>(Map.of(key.field(), r.v())),
                          Quality.GOOD))
              .toList());
    }
    return rawOnly;
  }

  private static Map<String, List<SeriesBuckets>> aggregates(Store s) {
    var out = new TreeMap<String, List<SeriesBuckets>>();
    for (Aggregate a : Aggregate.values()) {
      for (Duration step :
          List.of(Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofHours(1))) {
        out.put(
            a + " " + step,
            s.aggregate(
                ALL,
                Instant.ofEpochMilli(step.toMinutes() < 60 ? T0 + HOUR : T0),
                Instant.ofEpochMilli(T0 + 3 * HOUR),
                step,
                a));
      }
    }
    return out;
  }

  private static void assertSameAggregates(
      Map<String, List<SeriesBuckets>> actual, Map<String, List<SeriesBuckets>> expected) {
    assertThat(actual.keySet()).isEqualTo(expected.keySet());
    for (var e : expected.entrySet()) {
      var got = actual.get(e.getKey());
      assertThat(got).as(e.getKey()).hasSameSizeAs(e.getValue());
      for (int s = 0; s < got.size(); s++) {
        var want = e.getValue().get(s).buckets();
        var have = got.get(s).buckets();
        assertThat(have).as(e.getKey()).hasSameSizeAs(want);
        for (int i = 0; i < want.size(); i++) {
          String what = e.getKey() + " " + got.get(s).key() + " " + want.get(i).start();
          assertThat(have.get(i).count()).as(what).isEqualTo(want.get(i).count());
          assertThat(have.get(i).value())
              .as(what)
              .isCloseTo(
                  want.get(i).value(), within(1e-9 * Math.max(1, Math.abs(want.get(i).value()))));
        }
      }
    }
  }

  /** A bin whose readings are gone answers as one straight pair from its first to its last. */
  private static void assertStraightPair(Run r, List<Reading> all) {
    var in = between(all, r.firstMs(), r.lastMs());
    Reading f = in.getFirst();
    Reading l = in.getLast();
    var pair = RunChecks.combine(List.of(Run.of(f.t(), f.v()), Run.of(l.t(), l.v())));
    RunChecks.assertSameRun(
        r,
        new Run(
            f.t(),
            f.v(),
            l.t(),
            l.v(),
            in.size(),
            pair.rise(),
            pair.area(),
            pair.longestMs(),
            pair.longestRise(),
            pair.longestArea(),
            pair.drops(),
            pair.dropFrom(),
            pair.dropTo()),
        "straight pair " + r);
  }

  private static List<String> columns(Path dir, String table) throws SQLException {
    String url = "jdbc:duckdb:" + dir.resolve(EmbeddedStore.FILE_NAME).toAbsolutePath();
    var out = new ArrayList<String>();
    try (var c = DriverManager.getConnection(url);
        var rs =
            c.createStatement()
                .executeQuery(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = '"
                        + table
                        + "' ORDER BY ordinal_position")) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  @Test
  void anOldDatabaseKeepsItsAggregatesAndAnswersRunsExactlyWhereRawIsKept() throws Exception {
    threeHours();
    long rawHorizon = T0 + 2 * HOUR;
    long minuteHorizon = T0 + HOUR;
    writeOldDatabase(rawHorizon, minuteHorizon);
    var expected = aggregates(rawOnly());

    store =
        EmbeddedStore.open(
            dir, Duration.ofDays(1), Duration.ofDays(30), Duration.ofDays(1830), false);

    // The old rows' increase lost the pair into each bin, which queries now add: same answers.
    assertSameAggregates(aggregates(store), expected);
    var runs = RunChecks.runs(store, ALL, T0, T0 + 3 * HOUR);
    for (var e : readings.entrySet()) {
      var all = e.getValue();
      var answer = runs.get(e.getKey());
      // An hour bin, 60 minute bins, then raw readings: every reading once, none missing.
      assertThat(answer.stream().mapToLong(Run::count).sum()).isEqualTo(all.size());
      assertThat(answer.getFirst().lastMs() - answer.getFirst().firstMs()).isGreaterThan(MINUTE);
      for (Run r : answer) {
        if (r.firstMs() < rawHorizon) {
          assertStraightPair(r, all);
        } else {
          assertThat(r)
              .isEqualTo(
                  Run.of(r.firstMs(), between(all, r.firstMs(), r.firstMs()).getFirst().v()));
        }
      }
    }
    // The straight hour shows one drop, from its first reading to its last; the reset inside it
    // went from about 575 to 0.5.
    assertThat(runs.get(METER).getFirst().drops()).isEqualTo(1);

    // Raw points expire: the minute bins remade from them at migration are exact.
    store.maintain(Instant.ofEpochMilli(T0 + DAY + 3 * HOUR + 5 * MINUTE));
    var later = RunChecks.runs(store, ALL, rawHorizon, T0 + 3 * HOUR);
    for (var e : readings.entrySet()) {
      // The run before is an old minute bin; from the raw horizon on, all is exact.
      var answer = later.get(e.getKey());
      assertStraightPair(answer.getFirst(), e.getValue());
      check(
          answer.subList(1, answer.size()),
          between(e.getValue(), rawHorizon, T0 + 3 * HOUR),
          rawHorizon,
          T0 + 3 * HOUR,
          true);
    }
    assertSameAggregates(aggregates(store), expected);
    // The hour over the old minute bins is made of them: inner figures plus the pairs between.
    var hourOfMinutes =
        RunChecks.runs(store, ALL, T0 + HOUR, T0 + 2 * HOUR).get(METER).stream()
            .filter(r -> r.firstMs() >= T0 + HOUR && r.firstMs() < T0 + 2 * HOUR)
            .toList();
    store.close();
    store = null;

    assertThat(columns(dir, "rollup_1m"))
        .isEqualTo(columns(dir, "rollup_1h"))
        .containsExactly(StepSql.ROLLUP_COLUMNS.split(", "));
    String url = "jdbc:duckdb:" + dir.resolve(EmbeddedStore.FILE_NAME).toAbsolutePath();
    try (var c = DriverManager.getConnection(url);
        var rs =
            c.createStatement()
                .executeQuery(
                    "SELECT "
                        + StepSql.RUN_SELECT
                        + " FROM rollup_1h WHERE series_id = 0"
                        + " AND bucket IN ("
                        + (T0 + HOUR)
                        + ", "
                        + (T0 + 2 * HOUR)
                        + ") ORDER BY bucket")) {
      assertThat(rs.next()).isTrue();
      RunChecks.assertSameRun(run(rs), RunChecks.combine(hourOfMinutes), "hour over old minutes");
      assertThat(rs.next()).isTrue();
      var exact =
          RunChecks.ofReadings(between(readings.get(METER), T0 + 2 * HOUR, T0 + 3 * HOUR - 1));
      RunChecks.assertSameRun(run(rs), exact, "hour over remade minutes");
    }
  }

  @Test
  void anOldDatabaseWhoseRawPointsAreAllKeptIsRolledUpAgainExactly() throws Exception {
    threeHours();
    writeOldDatabase(UNSET, UNSET);
    var expected = aggregates(rawOnly());

    store =
        EmbeddedStore.open(
            dir, Duration.ofDays(1), Duration.ofDays(30), Duration.ofDays(1830), false);
    assertSameAggregates(aggregates(store), expected);
    store.maintain(Instant.ofEpochMilli(T0 + DAY + 3 * HOUR + 5 * MINUTE));

    assertSameAggregates(aggregates(store), expected);
    var runs = RunChecks.runs(store, ALL, T0, T0 + 3 * HOUR);
    for (var e : readings.entrySet()) {
      check(runs.get(e.getKey()), e.getValue(), T0, T0 + 3 * HOUR, true);
      assertThat(runs.get(e.getKey()))
          .allSatisfy(r -> assertThat(r.lastMs() - r.firstMs()).isLessThan(MINUTE));
    }
    // Opening it again migrates nothing more.
    store.close();
    var tables = RunChecks.tableDigests(dir);
    store =
        EmbeddedStore.open(
            dir, Duration.ofDays(1), Duration.ofDays(30), Duration.ofDays(1830), false);
    store.close();
    store = null;
    assertThat(RunChecks.tableDigests(dir)).isEqualTo(tables);
  }

  private static Run run(java.sql.ResultSet rs) throws SQLException {
    return new Run(
        rs.getLong(2),
        rs.getDouble(3),
        rs.getLong(4),
        rs.getDouble(5),
        rs.getLong(6),
        rs.getDouble(7),
        rs.getDouble(8),
        rs.getLong(9),
        rs.getDouble(10),
        rs.getDouble(11),
        rs.getInt(12),
        rs.getDouble(13),
        rs.getDouble(14));
  }
}
