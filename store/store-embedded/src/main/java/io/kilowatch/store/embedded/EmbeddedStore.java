package io.kilowatch.store.embedded;

import static io.kilowatch.store.embedded.StepSql.HOUR;
import static io.kilowatch.store.embedded.StepSql.MINUTE;
import static io.kilowatch.store.embedded.StepSql.alignDown;
import static io.kilowatch.store.embedded.StepSql.alignUp;
import static io.kilowatch.store.embedded.StepSql.idFilter;

import io.kilowatch.config.StoreConfig;
import io.kilowatch.store.Aggregate;
import io.kilowatch.store.Bucket;
import io.kilowatch.store.Point;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.store.SeriesBuckets;
import io.kilowatch.store.SeriesKey;
import io.kilowatch.store.SeriesPoints;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.Store;
import io.kilowatch.store.StoreException;
import io.kilowatch.store.embedded.StepSql.Prior;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default store: one DuckDB file holding raw points, one-minute and one-hour rollups, and
 * retention that drops raw points (then minute rollups) only once they are rolled up. See the
 * package README for the layout, the query planner and measured sizes.
 *
 * <p>Writes are serialised on one connection (DuckDB allows one writer per table at a time anyway);
 * each query runs on its own duplicated connection, so reads do not wait for writes.
 */
public final class EmbeddedStore implements Store {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedStore.class);

  /** Name of the database file inside the data directory. */
  public static final String FILE_NAME = "kilowatch.duckdb";

  private static final long UNSET = Long.MIN_VALUE;

  /** A minute is rolled up only this long after it ends, so slightly late samples still land. */
  private static final long ROLLUP_GRACE = 2 * MINUTE;

  /** Counter queries look for the previous reading this far back before scanning further. */
  private static final long PRIOR_LOOKBACK = HOUR;

  private static final long MINUTE_CHUNK = 24 * HOUR;
  private static final long HOUR_CHUNK = 31 * 24 * HOUR;

  /** Instants past this are clamped so that millisecond arithmetic cannot overflow. */
  private static final long MAX_MILLIS = 1L << 60;

  private static final String SCHEMA =
      """
      CREATE TABLE IF NOT EXISTS series (
        id INTEGER PRIMARY KEY, measurement VARCHAR NOT NULL, tags VARCHAR NOT NULL,
        field VARCHAR NOT NULL, UNIQUE (measurement, tags, field));
      CREATE TABLE IF NOT EXISTS points (
        series_id INTEGER NOT NULL, ts BIGINT NOT NULL, value DOUBLE, quality UTINYINT NOT NULL);
      CREATE TABLE IF NOT EXISTS staging (
        series_id INTEGER NOT NULL, ts BIGINT NOT NULL, value DOUBLE, quality UTINYINT NOT NULL);
      CREATE TABLE IF NOT EXISTS rollup_1m (
        series_id INTEGER NOT NULL, bucket BIGINT NOT NULL, count_good BIGINT, sum_value DOUBLE,
        min_value DOUBLE, max_value DOUBLE, first_val DOUBLE, first_ts BIGINT, last_val DOUBLE,
        last_ts BIGINT, increase DOUBLE);
      CREATE TABLE IF NOT EXISTS rollup_1h (
        series_id INTEGER NOT NULL, bucket BIGINT NOT NULL, count_good BIGINT, sum_value DOUBLE,
        min_value DOUBLE, max_value DOUBLE, first_val DOUBLE, first_ts BIGINT, last_val DOUBLE,
        last_ts BIGINT, increase DOUBLE);
      CREATE TABLE IF NOT EXISTS rollup_dirty (series_id INTEGER NOT NULL, bucket BIGINT NOT NULL);
      CREATE TABLE IF NOT EXISTS meta (name VARCHAR PRIMARY KEY, value BIGINT NOT NULL);
      DELETE FROM staging;
      """;

  private final DuckDBConnection writer;
  private final ReentrantLock writeLock = new ReentrantLock();

  /**
   * Queries hold it shared while they plan and run, retention exclusively while it moves the
   * horizons, so no query sees raw points deleted under a horizon it has not seen move.
   */
  private final ReentrantReadWriteLock horizonLock = new ReentrantReadWriteLock();

  private final SeriesCatalog catalog = new SeriesCatalog();
  private final Duration rawRetention;
  private final Duration minuteRetention;
  private final Duration hourRetention;
  private final ScheduledExecutorService scheduler;
  private volatile boolean closed;

  // Minutes below watermark1m are rolled up (likewise hours); below rawHorizon raw points are
  // deleted (but for the last good one per series), below the other horizons their rollups are.
  private volatile long watermark1m = UNSET;
  private volatile long watermark1h = UNSET;
  private volatile long rawHorizon = UNSET;
  private volatile long minuteHorizon = UNSET;
  private volatile long hourHorizon = UNSET;

  private EmbeddedStore(
      DuckDBConnection writer,
      Duration rawRetention,
      Duration minuteRetention,
      Duration hourRetention,
      boolean scheduleMaintenance)
      throws SQLException {
    this.writer = writer;
    this.rawRetention = rawRetention;
    this.minuteRetention = minuteRetention;
    this.hourRetention = hourRetention;
    try (var st = writer.createStatement()) {
      st.execute(SCHEMA);
    }
    loadMeta();
    catalog.load(writer);
    if (scheduleMaintenance) {
      scheduler =
          Executors.newSingleThreadScheduledExecutor(
              // Platform: rollups are long native calls that would pin a virtual carrier.
              Thread.ofPlatform().daemon().name("embedded-store-maintenance").factory());
      scheduler.scheduleWithFixedDelay(this::scheduledMaintenance, 1, 1, TimeUnit.MINUTES);
    } else {
      scheduler = null;
    }
  }

  public static EmbeddedStore open(StoreConfig config) {
    return open(
        config.dataDir(),
        config.rawRetention(),
        config.minuteRetention(),
        config.hourRetention(),
        true,
        config.memoryLimitBytes());
  }

  public static EmbeddedStore open(
      Path dataDir, Duration rawRetention, Duration minuteRetention, Duration hourRetention) {
    return open(dataDir, rawRetention, minuteRetention, hourRetention, true);
  }

  /**
   * Without the background maintenance when {@code scheduleMaintenance} is false, so that the
   * caller drives {@link #maintain}: tests, and benches that write months of history in one go.
   */
  public static EmbeddedStore open(
      Path dataDir,
      Duration rawRetention,
      Duration minuteRetention,
      Duration hourRetention,
      boolean scheduleMaintenance) {
    return open(
        dataDir,
        rawRetention,
        minuteRetention,
        hourRetention,
        scheduleMaintenance,
        StoreConfig.DEFAULT_MEMORY_LIMIT_BYTES);
  }

  static EmbeddedStore open(
      Path dataDir,
      Duration rawRetention,
      Duration minuteRetention,
      Duration hourRetention,
      boolean scheduleMaintenance,
      long memoryLimitBytes) {
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new StoreException("cannot create data directory " + dataDir, e);
    }
    Path file = dataDir.resolve(FILE_NAME).toAbsolutePath();
    DuckDBConnection c = null;
    try {
      c = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + file);
      try (var st = c.createStatement()) {
        // DuckDB would otherwise cache up to 80 % of the machine's memory; past the limit it
        // spills to files under the data directory.
        st.execute("SET memory_limit = '" + Math.max(1, memoryLimitBytes >> 20) + "MiB'");
        st.execute(
            "SET temp_directory = '"
                + dataDir.resolve("duckdb-tmp").toAbsolutePath().toString().replace("'", "''")
                + "'");
      }
      return new EmbeddedStore(
          c, rawRetention, minuteRetention, hourRetention, scheduleMaintenance);
    } catch (SQLException e) {
      closeQuietly(c);
      throw new StoreException("cannot open embedded store " + file, e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Writes

  @Override
  public void write(List<Sample> batch) {
    ensureOpen();
    if (batch.isEmpty()) {
      return;
    }
    writeLock.lock();
    try {
      ensureOpen();
      Rows rows = rowsOf(batch);
      if (rows.size() == 0) {
        return;
      }
      if (canAppend(rows)) {
        try (var app = writer.createAppender("points")) {
          rows.appendTo(app);
        }
      } else {
        replace(rows);
      }
      for (int i = 0; i < rows.size(); i++) {
        var b = catalog.bounds(rows.series[i]);
        b.maxTs = Math.max(b.maxTs, rows.ts[i]);
        if (rows.quality[i] <= Quality.UNCERTAIN.code()) {
          b.minGoodTs = Math.min(b.minGoodTs, rows.ts[i]);
        }
      }
    } catch (SQLException e) {
      throw new StoreException("write of " + batch.size() + " samples failed", e);
    } finally {
      writeLock.unlock();
    }
  }

  /** Flattens a batch to one row per field; of rows for the same series and time the last wins. */
  private Rows rowsOf(List<Sample> batch) throws SQLException {
    int n = 0;
    for (Sample s : batch) {
      n += s.fields().size();
    }
    var seriesKeys = new ArrayList<SeriesKey>(n);
    for (Sample s : batch) {
      for (String field : s.fields().keySet()) {
        seriesKeys.add(s.key(field));
      }
    }
    catalog.registerAll(seriesKeys, writer);
    int k = 0;
    var rows = new Rows(n);
    var seen = new HashMap<Long, Integer>();
    Map<SeriesKeyTime, Integer> index = null;
    for (Sample s : batch) {
      long ts = s.time().toEpochMilli();
      for (var f : s.fields().entrySet()) {
        int id = catalog.idFor(seriesKeys.get(k++), writer);
        double v = f.getValue() == null ? Double.NaN : f.getValue();
        // Cheap duplicate screen on a hash of (id, ts); exact index only on a collision.
        long h = ts * 31 + id;
        Integer prev = seen.putIfAbsent(h, rows.size());
        if (prev != null) {
          if (index == null) {
            index = new HashMap<>();
            for (int i = 0; i < rows.size(); i++) {
              index.put(new SeriesKeyTime(rows.series[i], rows.ts[i]), i);
            }
          }
          Integer same = index.get(new SeriesKeyTime(id, ts));
          if (same != null) {
            rows.set(same, id, ts, v, s.quality().code());
            continue;
          }
        }
        if (index != null) {
          index.put(new SeriesKeyTime(id, ts), rows.size());
        }
        rows.add(id, ts, v, s.quality().code());
      }
    }
    return rows;
  }

  private record SeriesKeyTime(int id, long ts) {}

  /** Whether every row is newer than its series' data and not in an already rolled-up minute. */
  private boolean canAppend(Rows rows) {
    long wm = watermark1m;
    for (int i = 0; i < rows.size(); i++) {
      if (rows.ts[i] <= catalog.bounds(rows.series[i]).maxTs || (wm != UNSET && rows.ts[i] < wm)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The rare path (replayed or late data): in one transaction, stage the rows, delete the points
   * they replace, insert them and mark rolled-up minutes they touch for a re-roll.
   */
  private void replace(Rows rows) throws SQLException {
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (int i = 0; i < rows.size(); i++) {
      min = Math.min(min, rows.ts[i]);
      max = Math.max(max, rows.ts[i]);
    }
    String range = " AND points.ts BETWEEN " + min + " AND " + max;
    inTransaction(
        () -> {
          try (var app = writer.createAppender("staging")) {
            rows.appendTo(app);
          }
          try (var st = writer.createStatement()) {
            st.execute(
                "DELETE FROM points USING staging WHERE points.series_id = staging.series_id"
                    + " AND points.ts = staging.ts"
                    + range);
            st.execute("INSERT INTO points SELECT * FROM staging");
            if (watermark1m != UNSET) {
              st.execute(
                  "INSERT INTO rollup_dirty SELECT DISTINCT series_id, ts - ((ts % 60000) + 60000)"
                      + " % 60000 FROM staging WHERE ts < "
                      + watermark1m);
            }
            st.execute("DELETE FROM staging");
          }
        });
  }

  // ---------------------------------------------------------------------------------------------
  // Queries

  @Override
  public List<SeriesPoints> read(SeriesQuery query, Instant from, Instant to) {
    ensureOpen();
    var matching = catalog.matching(query);
    if (matching.isEmpty()) {
      return List.of();
    }
    var ids = matching.stream().map(Map.Entry::getKey).toList();
    var points = new HashMap<Integer, List<Point>>();
    String sql =
        "SELECT series_id, ts, value, quality FROM points WHERE "
            + idFilter("series_id", ids)
            + " AND ts >= "
            + millis(from)
            + " AND ts < "
            + millis(to)
            + " ORDER BY series_id, ts";
    try (var c = writer.duplicate();
        var st = c.createStatement();
        var rs = st.executeQuery(sql)) {
      while (rs.next()) {
        double v = rs.getDouble(3);
        if (rs.wasNull()) {
          v = Double.NaN;
        }
        points
            .computeIfAbsent(rs.getInt(1), id -> new ArrayList<>())
            .add(new Point(Instant.ofEpochMilli(rs.getLong(2)), v, Quality.ofCode(rs.getInt(4))));
      }
    } catch (SQLException e) {
      throw new StoreException("read failed", e);
    }
    var out = new ArrayList<SeriesPoints>();
    for (var e : matching) {
      var p = points.get(e.getKey());
      if (p != null) {
        out.add(new SeriesPoints(e.getValue(), p));
      }
    }
    return out;
  }

  @Override
  public List<SeriesBuckets> aggregate(
      SeriesQuery query, Instant from, Instant to, Duration step, Aggregate aggregate) {
    ensureOpen();
    long s = step.toMillis();
    if (s <= 0) {
      throw new IllegalArgumentException("step must be at least 1 ms: " + step);
    }
    var matching = catalog.matching(query);
    if (matching.isEmpty()) {
      return List.of();
    }
    var ids = matching.stream().map(Map.Entry::getKey).toList();
    long f = millis(from);
    long t = millis(to);
    boolean counter = aggregate == Aggregate.COUNTER_DELTA;
    var byId = new HashMap<Integer, List<Bucket>>();
    horizonLock.readLock().lock();
    try (var c = writer.duplicate()) {
      var parts = new ArrayList<String>();
      long rawFrom = Math.max(f, rawHorizon);
      // Before the raw horizon only rollups remain; they answer steps made of whole buckets.
      if (f < rawHorizon) {
        if (s % HOUR == 0) {
          addRollup(parts, "rollup_1h", ids, f, t, s, HOUR, hourHorizon);
        } else if (s % MINUTE == 0) {
          addRollup(parts, "rollup_1m", ids, f, t, s, MINUTE, minuteHorizon);
        }
      }
      if (rawFrom < t) {
        List<Prior> priors = counter ? priors(c, ids, rawFrom) : List.of();
        parts.add(StepSql.rawStates(ids, rawFrom, t, s, counter, priors));
      }
      if (parts.isEmpty()) {
        return List.of();
      }
      try (var st = c.createStatement();
          var rs = st.executeQuery(StepSql.merged(parts))) {
        while (rs.next()) {
          long count = rs.getLong(3);
          double value =
              switch (aggregate) {
                case MEAN -> rs.getDouble(4) / count;
                case MIN -> rs.getDouble(5);
                case MAX -> rs.getDouble(6);
                case LAST -> rs.getDouble(7);
                case COUNTER_DELTA -> rs.getDouble(8);
              };
          byId.computeIfAbsent(rs.getInt(1), id -> new ArrayList<>())
              .add(new Bucket(Instant.ofEpochMilli(rs.getLong(2)), value, count));
        }
      }
    } catch (SQLException e) {
      throw new StoreException("aggregate failed", e);
    } finally {
      horizonLock.readLock().unlock();
    }
    var out = new ArrayList<SeriesBuckets>();
    for (var e : matching) {
      var b = byId.get(e.getKey());
      if (b != null) {
        out.add(new SeriesBuckets(e.getValue(), b));
      }
    }
    return out;
  }

  private void addRollup(
      List<String> parts,
      String table,
      List<Integer> ids,
      long f,
      long t,
      long step,
      long bucket,
      long horizon) {
    long lo = Math.max(alignUp(f, bucket), horizon);
    long hi = Math.min(rawHorizon, alignDown(t, bucket));
    if (lo < hi) {
      parts.add(StepSql.rollupStates(table, ids, lo, hi, step));
    }
  }

  /**
   * The last good reading before {@code t} of each series (null ids: every series): first within a
   * short look-back, then, only for series known to have older good points, without bound.
   */
  private List<Prior> priors(Connection c, Collection<Integer> ids, long t) throws SQLException {
    var priors = new ArrayList<Prior>();
    var found = new HashSet<Integer>();
    priorsBetween(c, ids, t - PRIOR_LOOKBACK, t, priors, found);
    var missing = new ArrayList<Integer>();
    for (int id : ids == null ? catalog.allIds() : ids) {
      var b = catalog.bounds(id);
      if (!found.contains(id) && b != null && b.minGoodTs < t - PRIOR_LOOKBACK) {
        missing.add(id);
      }
    }
    if (!missing.isEmpty()) {
      priorsBetween(c, missing, Long.MIN_VALUE, t - PRIOR_LOOKBACK, priors, found);
    }
    return priors;
  }

  private static void priorsBetween(
      Connection c,
      Collection<Integer> ids,
      long from,
      long to,
      List<Prior> out,
      Set<Integer> found)
      throws SQLException {
    String sql =
        "SELECT series_id, max(ts), arg_max(value, ts) FROM points WHERE "
            + idFilter("series_id", ids)
            + " AND quality <= 1 AND ts >= "
            + from
            + " AND ts < "
            + to
            + " GROUP BY series_id";
    try (var st = c.createStatement();
        var rs = st.executeQuery(sql)) {
      while (rs.next()) {
        double v = rs.getDouble(3);
        out.add(new Prior(rs.getInt(1), rs.getLong(2), rs.wasNull() ? Double.NaN : v));
        found.add(rs.getInt(1));
      }
    }
  }

  @Override
  public List<SeriesKey> listSeries(SeriesQuery query) {
    ensureOpen();
    return catalog.matching(query).stream().map(Map.Entry::getValue).toList();
  }

  /** Raw points held, including those kept only as the reading before a rolled-up range. */
  public long pointCount() {
    ensureOpen();
    try (var c = writer.duplicate();
        var st = c.createStatement();
        var rs = st.executeQuery("SELECT count(*) FROM points")) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new StoreException("count failed", e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Maintenance: rollups and retention

  private void scheduledMaintenance() {
    try {
      maintain(Instant.now());
    } catch (RuntimeException e) {
      // The next run retries; a failed rollup leaves its watermark where it was.
      log.warn("embedded store maintenance failed", e);
    }
  }

  /**
   * Rolls up closed minutes and hours, re-rolls minutes that received late data, then applies
   * retention relative to {@code now}.
   */
  public void maintain(Instant now) {
    ensureOpen();
    long n = millis(now);
    writeLock.lock();
    try {
      ensureOpen();
      rollMinutes(alignDown(n - ROLLUP_GRACE, MINUTE));
      rerollDirtyMinutes();
      rollHours();
      applyRetention(n);
    } catch (SQLException e) {
      throw new StoreException("maintenance failed", e);
    } finally {
      writeLock.unlock();
    }
  }

  private void rollMinutes(long target) throws SQLException {
    long lo = watermark1m;
    if (lo == UNSET) {
      Long min = singleLong("SELECT min(ts) FROM points");
      if (min == null) {
        return;
      }
      lo = alignDown(min, MINUTE);
    }
    while (lo < target) {
      // Skip stretches without data (a first run over old imports, a long outage) in one step.
      Long next = singleLong("SELECT min(ts) FROM points WHERE ts >= " + lo);
      long from = next == null ? target : Math.min(target, Math.max(lo, alignDown(next, MINUTE)));
      long to = Math.min(target, from + MINUTE_CHUNK);
      inTransaction(
          () -> {
            execute("DELETE FROM rollup_1m WHERE bucket >= " + from + " AND bucket < " + to);
            insertMinuteRollups(null, from, to);
            setMeta("watermark_1m", to);
          });
      watermark1m = to;
      lo = to;
    }
  }

  private void insertMinuteRollups(Collection<Integer> ids, long from, long to)
      throws SQLException {
    var priors = priors(writer, ids, from);
    execute("INSERT INTO rollup_1m " + StepSql.rawStates(ids, from, to, MINUTE, true, priors));
  }

  private void insertHourRollups(Collection<Integer> ids, long from, long to) throws SQLException {
    execute("INSERT INTO rollup_1h " + StepSql.rollupStates("rollup_1m", ids, from, to, HOUR));
  }

  /**
   * Late data changed minutes already rolled up: recompute them, the minute holding each series'
   * next good reading (its counter pair changed too) and the hours around them. Series dirtied over
   * the same range are re-rolled together, so a replayed buffer costs a few statements.
   */
  private void rerollDirtyMinutes() throws SQLException {
    record Range(long lo, long hi) {}
    var groups = new LinkedHashMap<Range, List<Integer>>();
    try (var st = writer.createStatement();
        var rs =
            st.executeQuery(
                "SELECT series_id, min(bucket), max(bucket) FROM rollup_dirty GROUP BY 1")) {
      while (rs.next()) {
        groups
            .computeIfAbsent(new Range(rs.getLong(2), rs.getLong(3)), r -> new ArrayList<>())
            .add(rs.getInt(1));
      }
    }
    for (var g : groups.entrySet()) {
      var ids = g.getValue();
      long lo = Math.max(g.getKey().lo(), rawHorizon);
      if (lo > g.getKey().lo()) {
        log.warn(
            "late data older than the raw retention for {} series is kept raw only until the"
                + " next retention pass; its rollups are not changed",
            ids.size());
      }
      Long next =
          singleLong(
              "SELECT max(n) FROM (SELECT min(ts) AS n FROM points WHERE "
                  + idFilter("series_id", ids)
                  + " AND quality <= 1 AND ts >= "
                  + (g.getKey().hi() + MINUTE)
                  + " GROUP BY series_id)");
      long hi =
          Math.min(
              watermark1m,
              next == null ? g.getKey().hi() + MINUTE : alignDown(next, MINUTE) + MINUTE);
      inTransaction(
          () -> {
            if (lo < hi) {
              String f = idFilter("series_id", ids);
              execute(
                  "DELETE FROM rollup_1m WHERE "
                      + f
                      + " AND bucket >= "
                      + lo
                      + " AND bucket < "
                      + hi);
              insertMinuteRollups(ids, lo, hi);
              long hlo = alignDown(lo, HOUR);
              long hhi = Math.min(watermark1h, alignUp(hi, HOUR));
              if (watermark1h != UNSET && hlo < hhi) {
                execute(
                    "DELETE FROM rollup_1h WHERE "
                        + f
                        + " AND bucket >= "
                        + hlo
                        + " AND bucket < "
                        + hhi);
                insertHourRollups(ids, hlo, hhi);
              }
            }
            execute("DELETE FROM rollup_dirty WHERE " + idFilter("series_id", ids));
          });
    }
  }

  private void rollHours() throws SQLException {
    if (watermark1m == UNSET) {
      return;
    }
    long target = alignDown(watermark1m, HOUR);
    long lo = watermark1h;
    if (lo == UNSET) {
      Long min = singleLong("SELECT min(bucket) FROM rollup_1m");
      if (min == null) {
        return;
      }
      lo = alignDown(min, HOUR);
    }
    while (lo < target) {
      Long next = singleLong("SELECT min(bucket) FROM rollup_1m WHERE bucket >= " + lo);
      long from = next == null ? target : Math.min(target, Math.max(lo, alignDown(next, HOUR)));
      long to = Math.min(target, from + HOUR_CHUNK);
      inTransaction(
          () -> {
            execute("DELETE FROM rollup_1h WHERE bucket >= " + from + " AND bucket < " + to);
            insertHourRollups(null, from, to);
            setMeta("watermark_1h", to);
          });
      watermark1h = to;
      lo = to;
    }
  }

  private void applyRetention(long now) throws SQLException {
    if (watermark1h == UNSET) {
      return;
    }
    // Nothing is dropped before both rollups hold it; minute rollups go no further than raw
    // points, so a late-data re-roll of an hour always finds its minutes.
    long raw = Math.min(alignDown(now - rawRetention.toMillis(), HOUR), watermark1h);
    long minute =
        Math.min(alignDown(now - minuteRetention.toMillis(), HOUR), Math.max(raw, rawHorizon));
    long hour = alignDown(now - hourRetention.toMillis(), HOUR);
    horizonLock.writeLock().lock();
    try {
      if (raw > rawHorizon) {
        inTransaction(
            () -> {
              // The last good reading before the horizon stays: it is the first half of the
              // counter pair that straddles the horizon.
              execute(
                  "DELETE FROM points WHERE ts < "
                      + raw
                      + " AND rowid NOT IN (SELECT arg_max(rowid, ts) FROM points WHERE ts < "
                      + raw
                      + " AND quality <= 1 GROUP BY series_id)");
              setMeta("raw_horizon", raw);
            });
        rawHorizon = raw;
      }
      if (minute > minuteHorizon) {
        inTransaction(
            () -> {
              execute("DELETE FROM rollup_1m WHERE bucket < " + minute);
              setMeta("minute_horizon", minute);
            });
        minuteHorizon = minute;
      }
      if (hour > hourHorizon) {
        inTransaction(
            () -> {
              execute("DELETE FROM rollup_1h WHERE bucket < " + hour);
              setMeta("hour_horizon", hour);
            });
        hourHorizon = hour;
      }
    } finally {
      horizonLock.writeLock().unlock();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Plumbing

  @FunctionalInterface
  private interface SqlWork {
    void run() throws SQLException;
  }

  /** Runs work on the writer connection in one transaction; caller holds the write lock. */
  private void inTransaction(SqlWork work) throws SQLException {
    writer.setAutoCommit(false);
    try {
      work.run();
      writer.commit();
    } catch (SQLException | RuntimeException e) {
      try {
        writer.rollback();
      } catch (SQLException r) {
        e.addSuppressed(r);
      }
      throw e;
    } finally {
      writer.setAutoCommit(true);
    }
  }

  private void execute(String sql) throws SQLException {
    try (var st = writer.createStatement()) {
      st.execute(sql);
    }
  }

  private Long singleLong(String sql) throws SQLException {
    try (var st = writer.createStatement();
        var rs = st.executeQuery(sql)) {
      if (!rs.next()) {
        return null;
      }
      long v = rs.getLong(1);
      return rs.wasNull() ? null : v;
    }
  }

  private void setMeta(String name, long value) throws SQLException {
    try (var ps = writer.prepareStatement("INSERT OR REPLACE INTO meta VALUES (?, ?)")) {
      ps.setString(1, name);
      ps.setLong(2, value);
      ps.executeUpdate();
    }
  }

  private void loadMeta() throws SQLException {
    var meta = new HashMap<String, Long>();
    try (var st = writer.createStatement();
        var rs = st.executeQuery("SELECT name, value FROM meta")) {
      while (rs.next()) {
        meta.put(rs.getString(1), rs.getLong(2));
      }
    }
    watermark1m = meta.getOrDefault("watermark_1m", UNSET);
    watermark1h = meta.getOrDefault("watermark_1h", UNSET);
    rawHorizon = meta.getOrDefault("raw_horizon", UNSET);
    minuteHorizon = meta.getOrDefault("minute_horizon", UNSET);
    hourHorizon = meta.getOrDefault("hour_horizon", UNSET);
  }

  private static long millis(Instant i) {
    if (i.isBefore(Instant.ofEpochMilli(-MAX_MILLIS))) {
      return -MAX_MILLIS;
    }
    if (i.isAfter(Instant.ofEpochMilli(MAX_MILLIS))) {
      return MAX_MILLIS;
    }
    return i.toEpochMilli();
  }

  private void ensureOpen() {
    if (closed) {
      throw new StoreException("embedded store is closed");
    }
  }

  /** An engine setting as DuckDB reports it, e.g. {@code memory_limit}; for tests. */
  String engineSetting(String name) {
    writeLock.lock();
    try (var ps = writer.prepareStatement("SELECT current_setting(?)")) {
      ps.setString(1, name);
      try (var rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read setting " + name, e);
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public void close() {
    if (scheduler != null) {
      scheduler.shutdown();
      try {
        if (!scheduler.awaitTermination(30, TimeUnit.SECONDS)) {
          log.warn("maintenance still running after 30 s; closing anyway");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    writeLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      try (var st = writer.createStatement()) {
        st.execute("CHECKPOINT");
      } catch (SQLException e) {
        // The WAL still holds every committed write; it is replayed on the next open.
        log.warn("checkpoint on close failed", e);
      }
      closeQuietly(writer);
    } finally {
      writeLock.unlock();
    }
  }

  private static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        log.warn("closing the embedded store connection failed", e);
      }
    }
  }

  /** Rows of one batch in columns, ready for an appender. */
  private static final class Rows {
    final int[] series;
    final long[] ts;
    final double[] value;
    final byte[] quality;
    private int size;

    Rows(int capacity) {
      series = new int[capacity];
      ts = new long[capacity];
      value = new double[capacity];
      quality = new byte[capacity];
    }

    int size() {
      return size;
    }

    void add(int id, long t, double v, byte q) {
      set(size++, id, t, v, q);
    }

    void set(int i, int id, long t, double v, byte q) {
      series[i] = id;
      ts[i] = t;
      value[i] = v;
      quality[i] = q;
    }

    void appendTo(org.duckdb.DuckDBAppender app) throws SQLException {
      for (int i = 0; i < size; i++) {
        app.beginRow().append(series[i]).append(ts[i]).append(value[i]).append(quality[i]).endRow();
      }
      app.flush();
    }
  }
}
