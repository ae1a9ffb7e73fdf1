package io.kilowatch.store.embedded;

import static io.kilowatch.store.embedded.StepSql.GOOD;
import static io.kilowatch.store.embedded.StepSql.HOUR;
import static io.kilowatch.store.embedded.StepSql.MINUTE;
import static io.kilowatch.store.embedded.StepSql.ROLLUP_COLUMNS;
import static io.kilowatch.store.embedded.StepSql.alignDown;
import static io.kilowatch.store.embedded.StepSql.alignUp;
import static io.kilowatch.store.embedded.StepSql.idFilter;
import static io.kilowatch.store.embedded.StepSql.stepOf;

import io.kilowatch.config.StoreConfig;
import io.kilowatch.store.Aggregate;
import io.kilowatch.store.Bucket;
import io.kilowatch.store.Point;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Run;
import io.kilowatch.store.RunSink;
import io.kilowatch.store.Sample;
import io.kilowatch.store.SeriesBuckets;
import io.kilowatch.store.SeriesColumns;
import io.kilowatch.store.SeriesKey;
import io.kilowatch.store.SeriesPoints;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.Store;
import io.kilowatch.store.StoreDamagedException;
import io.kilowatch.store.StoreException;
import io.kilowatch.store.StoreHealth;
import io.kilowatch.store.embedded.StepSql.Horizons;
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
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
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
  private static final long DAY = 24 * HOUR;

  /** Neighbours of a range are looked for this far away first, then further. */
  private static final long[] NEIGHBOUR_REACH = {DAY, 32 * DAY, Long.MAX_VALUE};

  /** {@link #runs} answers this many series in its first batch, then sizes batches by rows. */
  private static final int FIRST_RUNS_BATCH = 16;

  private static final int MAX_RUNS_BATCH = 4096;

  /** Dirty minutes merged per transaction, about (whole hours of them). */
  private static final long DIRTY_CHUNK_ROWS = 500_000;

  private volatile long dirtyChunkRows = DIRTY_CHUNK_ROWS;

  /** About this many runs are read per batch: bounded memory, few statements. */
  private static final long RUNS_BATCH_ROWS = 1L << 19;

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
        last_ts BIGINT, increase DOUBLE, rise DOUBLE, area DOUBLE, longest_ms BIGINT,
        longest_rise DOUBLE, longest_area DOUBLE, drops INTEGER, drop_from DOUBLE, drop_to DOUBLE);
      CREATE TABLE IF NOT EXISTS rollup_1h (
        series_id INTEGER NOT NULL, bucket BIGINT NOT NULL, count_good BIGINT, sum_value DOUBLE,
        min_value DOUBLE, max_value DOUBLE, first_val DOUBLE, first_ts BIGINT, last_val DOUBLE,
        last_ts BIGINT, increase DOUBLE, rise DOUBLE, area DOUBLE, longest_ms BIGINT,
        longest_rise DOUBLE, longest_area DOUBLE, drops INTEGER, drop_from DOUBLE, drop_to DOUBLE);
      CREATE TABLE IF NOT EXISTS rollup_dirty (series_id INTEGER NOT NULL, bucket BIGINT NOT NULL);
      CREATE TABLE IF NOT EXISTS meta (name VARCHAR PRIMARY KEY, value BIGINT NOT NULL);
      DELETE FROM staging;
      """;

  /** Replaced by {@link #reopen} after DuckDB invalidated the instance; read once per call. */
  private volatile DuckDBConnection writer;

  private final ReentrantLock writeLock = new ReentrantLock();

  /**
   * Queries hold it shared while they plan and run, retention exclusively while it moves the
   * horizons, so no query sees raw points deleted under a horizon it has not seen move.
   */
  private final ReentrantReadWriteLock horizonLock = new ReentrantReadWriteLock();

  /** Rebuilt from the file on {@link #reopen}: a failed write may have left ids it never stored. */
  private volatile SeriesCatalog catalog = new SeriesCatalog();

  private final Duration rawRetention;
  private final Duration minuteRetention;
  private final Duration hourRetention;
  private final ScheduledExecutorService scheduler;
  private volatile boolean closed;
  private final Path file;
  private final String walNote;
  private volatile StoreHealth health = StoreHealth.ok();
  private final long memoryLimitBytes;

  /**
   * Set when a write failed on the file (disk full, I/O error): DuckDB then refuses every call on
   * the instance ("reopen the database instance to recover"), so the next write reopens it, at most
   * every {@link #REOPEN_EVERY}. Written under the write lock.
   */
  private volatile boolean invalidated;

  /** Whether {@link #health} is failing because of a write, so that a write may clear it. */
  private volatile boolean failingFromWrite;

  private long nextReopenNanos;
  private String lastReopenFailure;
  static final Duration REOPEN_EVERY = Duration.ofSeconds(5);

  // Minutes below watermark1m are rolled up (likewise hours); below rawHorizon raw points are
  // deleted (but for the last good one per series), below the other horizons their rollups are.
  private volatile long watermark1m = UNSET;
  private volatile long watermark1h = UNSET;
  private volatile long rawHorizon = UNSET;
  private volatile long minuteHorizon = UNSET;
  private volatile long hourHorizon = UNSET;

  private EmbeddedStore(
      Path file,
      String walNote,
      DuckDBConnection writer,
      Duration rawRetention,
      Duration minuteRetention,
      Duration hourRetention,
      boolean scheduleMaintenance,
      long memoryLimitBytes)
      throws SQLException {
    this.file = file;
    this.memoryLimitBytes = memoryLimitBytes;
    this.walNote = walNote;
    this.writer = writer;
    this.rawRetention = rawRetention;
    this.minuteRetention = minuteRetention;
    this.hourRetention = hourRetention;
    try (var st = writer.createStatement()) {
      st.execute(SCHEMA);
    }
    loadMeta();
    migrate();
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
    String walNote = walNote(file);
    if (walNote != null) {
      log.warn(walNote);
    }
    DuckDBConnection c = null;
    try {
      c = connect(file, memoryLimitBytes);
      return new EmbeddedStore(
          file,
          walNote,
          c,
          rawRetention,
          minuteRetention,
          hourRetention,
          scheduleMaintenance,
          memoryLimitBytes);
    } catch (SQLException e) {
      closeQuietly(c);
      if (StoreDamage.isDamage(e)) {
        throw new StoreDamagedException(file, StoreDamage.startupMessage(file, e), e);
      }
      throw new StoreException("cannot open embedded store " + file, e);
    }
  }

  private static DuckDBConnection connect(Path file, long memoryLimitBytes) throws SQLException {
    var c = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + file);
    try (var st = c.createStatement()) {
      // DuckDB would otherwise cache up to 80 % of the machine's memory; past the limit it
      // spills to files under the data directory.
      st.execute("SET memory_limit = '" + Math.max(1, memoryLimitBytes >> 20) + "MiB'");
      // DuckDB would run each query on every core; one core is left for the poll loops, ingest and
      // the health endpoint, so a heavy query or rollup never starves them.
      st.execute("SET threads = " + Math.max(1, Runtime.getRuntime().availableProcessors() - 1));
      st.execute(
          "SET temp_directory = '"
              + file.resolveSibling("duckdb-tmp").toString().replace("'", "''")
              + "'");
    } catch (SQLException e) {
      closeQuietly(c);
      throw e;
    }
    return c;
  }

  /**
   * Opens the file again after DuckDB invalidated the instance, which it does after any failed
   * write (a full disk included), so that the store works again once the cause is gone rather than
   * after a restart. The open replays DuckDB's own write-ahead log, so nothing committed is lost;
   * the catalog and watermarks are read afresh because the failed write may have registered series
   * it never stored. Caller holds the write lock.
   */
  private void reopen() {
    long now = System.nanoTime();
    if (now - nextReopenNanos < 0) {
      throw new StoreException(
          "the store is unavailable until it can be reopened: " + health.cause());
    }
    nextReopenNanos = now + REOPEN_EVERY.toNanos();
    closeQuietly(writer);
    DuckDBConnection c = null;
    try {
      c = connect(file, memoryLimitBytes);
      writer = c;
      try (var st = c.createStatement()) {
        st.execute(SCHEMA);
      }
      loadMeta();
      var fresh = new SeriesCatalog();
      fresh.load(c);
      catalog = fresh;
      invalidated = false;
      lastReopenFailure = null;
      log.info("the store file {} is open again after: {}", file, health.cause());
    } catch (SQLException e) {
      String why = StoreDamage.cause(e);
      if (!why.equals(lastReopenFailure)) {
        log.warn("the store file {} cannot be reopened yet, trying again: {}", file, why);
        lastReopenFailure = why;
      }
      throw new StoreException("the store file " + file + " cannot be reopened yet: " + why, e);
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
      if (invalidated) {
        reopen();
      }
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
      if (failingFromWrite) {
        log.info("store writes work again (failing since {}: {})", health.since(), health.cause());
        failingFromWrite = false;
        health = StoreHealth.ok();
      }
    } catch (SQLException e) {
      throw failure("write of " + batch.size() + " samples failed", e);
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
    // Ids by (measurement, tags) once per sample, then by field: a key per field (a tag map copied
    // and hashed for each of a GPU's 13 fields) was most of the write path's CPU at 25,000 GPUs.
    int[] idOf = new int[n];
    List<SeriesKey> fresh = null;
    int k = 0;
    for (Sample s : batch) {
      Map<String, Integer> known = catalog.fieldsOf(s.measurement(), s.tags());
      for (String field : s.fields().keySet()) {
        Integer id = known == null ? null : known.get(field);
        if (id == null) {
          if (fresh == null) {
            fresh = new ArrayList<>();
          }
          fresh.add(s.key(field));
          idOf[k++] = -1;
        } else {
          idOf[k++] = id;
        }
      }
    }
    if (fresh != null) {
      catalog.registerAll(fresh, writer);
      k = 0;
      for (Sample s : batch) {
        for (String field : s.fields().keySet()) {
          if (idOf[k] < 0) {
            idOf[k] = catalog.idFor(s.key(field), writer);
          }
          k++;
        }
      }
    }
    k = 0;
    var rows = new Rows(n);
    var index = new RowIndex(rows.series, rows.ts);
    for (Sample s : batch) {
      long ts = s.time().toEpochMilli();
      // values(), not entrySet(): the unmodifiable map wraps each entry it hands out.
      for (Double value : s.fields().values()) {
        int id = idOf[k++];
        double v = value == null ? Double.NaN : value;
        int same = index.putIfAbsent(id, ts, rows.size());
        if (same >= 0) {
          rows.set(same, id, ts, v, s.quality().code());
        } else {
          rows.add(id, ts, v, s.quality().code());
        }
      }
    }
    return rows;
  }

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
            if (watermark1m != UNSET) {
              // Rows equal to the point they replace change no rollup: a replayed buffer or a
              // repeated import re-rolls nothing.
              st.execute(
                  "INSERT INTO rollup_dirty SELECT DISTINCT s.series_id, "
                      + stepOf("s.ts", MINUTE)
                      + " FROM staging s WHERE s.ts < "
                      + watermark1m
                      + " AND NOT EXISTS (SELECT 1 FROM points WHERE points.series_id ="
                      + " s.series_id AND points.ts = s.ts AND points.quality = s.quality AND"
                      + " points.value IS NOT DISTINCT FROM s.value"
                      + range
                      + ")");
            }
            st.execute(
                "DELETE FROM points USING staging WHERE points.series_id = staging.series_id"
                    + " AND points.ts = staging.ts"
                    + range);
            st.execute("INSERT INTO points SELECT * FROM staging");
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
    var points =
        rows(
            matching,
            from,
            to,
            ArrayList<Point>::new,
            (list, ts, v, q) ->
                list.add(new Point(Instant.ofEpochMilli(ts), v, Quality.ofCode(q))));
    var out = new ArrayList<SeriesPoints>();
    for (var e : matching) {
      var p = points.get(e.getKey());
      if (p != null) {
        out.add(new SeriesPoints(e.getValue(), inTimeOrder(p)));
      }
    }
    return out;
  }

  @Override
  public List<SeriesColumns> readGood(SeriesQuery query, Instant from, Instant to) {
    ensureOpen();
    var matching = catalog.matching(query);
    if (matching.isEmpty()) {
      return List.of();
    }
    // Every row, not only the good: a series with readings, none of them good, is answered with
    // empty columns, as read() answers it with its bad readings.
    var columns =
        rows(
            matching,
            from,
            to,
            Columns::new,
            (col, ts, v, q) -> {
              if (Double.isFinite(v) && q <= Quality.UNCERTAIN.code()) {
                col.add(ts, v);
              }
            });
    var out = new ArrayList<SeriesColumns>();
    for (var e : matching) {
      var col = columns.get(e.getKey());
      if (col != null) {
        out.add(col.finish(e.getValue()));
      }
    }
    return out;
  }

  /** Takes one stored row of a series: its time, value (NaN for none) and quality code. */
  private interface RowTaker<S> {
    void take(S series, long ts, double value, int quality);
  }

  /**
   * The rows of the {@code matching} series in {@code [from, to)}, each handed to its series' own
   * collector, made by {@code start} on the series' first row. Unordered: sorting a large read
   * (25,000 series × 60 readings) cost DuckDB more than reading it. Rows come in storage order,
   * which is time order for appended readings; the callers check each series and sort it only if a
   * replacement or a late reading put it out of order.
   */
  private <S> Map<Integer, S> rows(
      List<Map.Entry<Integer, SeriesKey>> matching,
      Instant from,
      Instant to,
      java.util.function.Supplier<S> start,
      RowTaker<S> taker) {
    var ids = matching.stream().map(Map.Entry::getKey).toList();
    var bySeries = new HashMap<Integer, S>();
    String sql =
        "SELECT series_id, ts, value, quality FROM points WHERE "
            + idFilter("series_id", ids)
            + " AND ts >= "
            + millis(from)
            + " AND ts < "
            + millis(to);
    try (var c = writer.duplicate();
        var st = c.createStatement();
        var rs = st.executeQuery(sql)) {
      int current = -1;
      S into = null;
      while (rs.next()) {
        int id = rs.getInt(1);
        if (into == null || id != current) {
          current = id;
          into = bySeries.computeIfAbsent(id, k -> start.get());
        }
        double v = rs.getDouble(3);
        if (rs.wasNull()) {
          v = Double.NaN;
        }
        taker.take(into, rs.getLong(2), v, rs.getInt(4));
      }
    } catch (SQLException e) {
      throw failure("read failed", e);
    }
    return bySeries;
  }

  /** One series' readings as they arrive: growing columns, and whether they came in time order. */
  private static final class Columns {
    private long[] times = new long[16];
    private double[] values = new double[16];
    private int size;
    private boolean ordered = true;

    void add(long t, double v) {
      if (size == times.length) {
        times = java.util.Arrays.copyOf(times, size * 2);
        values = java.util.Arrays.copyOf(values, size * 2);
      }
      ordered &= size == 0 || t >= times[size - 1];
      times[size] = t;
      values[size++] = v;
    }

    SeriesColumns finish(SeriesKey key) {
      long[] t = java.util.Arrays.copyOf(times, size);
      double[] v = java.util.Arrays.copyOf(values, size);
      if (!ordered) {
        Integer[] order = new Integer[size];
        for (int i = 0; i < size; i++) {
          order[i] = i;
        }
        java.util.Arrays.sort(order, java.util.Comparator.comparingLong(i -> times[i]));
        for (int i = 0; i < size; i++) {
          t[i] = times[order[i]];
          v[i] = values[order[i]];
        }
      }
      return new SeriesColumns(key, t, v);
    }
  }

  private static List<Point> inTimeOrder(List<Point> points) {
    for (int i = 1; i < points.size(); i++) {
      if (points.get(i).time().isBefore(points.get(i - 1).time())) {
        points.sort(java.util.Comparator.comparing(Point::time));
        break;
      }
    }
    return points;
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
          addRollup(c, parts, "rollup_1h", ids, f, t, s, HOUR, hourHorizon, counter);
        } else if (s % MINUTE == 0) {
          addRollup(c, parts, "rollup_1m", ids, f, t, s, MINUTE, minuteHorizon, counter);
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
      throw failure("aggregate failed", e);
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
      Connection c,
      List<String> parts,
      String table,
      List<Integer> ids,
      long f,
      long t,
      long step,
      long bucket,
      long horizon,
      boolean counter)
      throws SQLException {
    long lo = Math.max(alignUp(f, bucket), horizon);
    long hi = Math.min(rawHorizon, alignDown(t, bucket));
    if (lo < hi) {
      List<Prior> priors = null;
      if (counter) {
        // A bin's increase covers the pairs inside it; the pair into the first bin needs the
        // reading before it, wherever that is kept.
        priors = new ArrayList<>();
        for (var e : neighbours(c, ids, lo, horizons(), true).entrySet()) {
          priors.add(new Prior(e.getKey(), e.getValue().lastMs(), e.getValue().last()));
        }
      }
      parts.add(StepSql.rollupStates(table, ids, lo, hi, step, priors));
    }
  }

  /** The horizons now, {@link #UNSET} ones as the earliest time a query can name. */
  private Horizons horizons() {
    return new Horizons(orEarliest(rawHorizon), orEarliest(minuteHorizon), orEarliest(hourHorizon));
  }

  private static long orEarliest(long horizon) {
    return horizon == UNSET ? -MAX_MILLIS : horizon;
  }

  // ---------------------------------------------------------------------------------------------
  // Runs

  /**
   * Each series' good readings as runs: raw readings from the raw horizon on, minute bins before
   * it, hour bins before the minute horizon, each source exactly where the next one stops, so no
   * reading is answered twice and none is missing. A bin belongs to the range when its first
   * reading does. The run before {@code from} and the one at or after {@code to} are found however
   * far away they are; {@code reach} is not needed.
   *
   * <p>Series are read in batches sized to about {@link #RUNS_BATCH_ROWS} runs, each batch in one
   * snapshot under the horizon lock; the sink is called after the lock is released.
   */
  @Override
  public void runs(SeriesQuery query, Instant from, Instant to, Duration reach, RunSink sink) {
    ensureOpen();
    var matching = catalog.matching(query);
    if (matching.isEmpty()) {
      return;
    }
    long f = millis(from);
    long t = millis(to);
    int size = FIRST_RUNS_BATCH;
    try (var c = writer.duplicate()) {
      for (int i = 0; i < matching.size(); ) {
        var part = matching.subList(i, Math.min(matching.size(), i + size));
        var answer = new HashMap<Integer, List<Run>>();
        long rows = runsBatch(c, part.stream().map(Map.Entry::getKey).toList(), f, t, answer);
        for (var e : part) {
          var runs = answer.get(e.getKey());
          if (runs != null) {
            sink.accept(e.getValue(), runs);
          }
        }
        i += part.size();
        size =
            (int) Math.clamp(part.size() * RUNS_BATCH_ROWS / Math.max(1, rows), 1, MAX_RUNS_BATCH);
      }
    } catch (SQLException e) {
      throw failure("runs failed", e);
    }
  }

  private static final Comparator<Run> BY_FIRST = Comparator.comparingLong(Run::firstMs);

  /** One batch of series in one snapshot; returns the number of runs read. */
  private long runsBatch(
      Connection c, List<Integer> ids, long f, long t, Map<Integer, List<Run>> out)
      throws SQLException {
    long rows = 0;
    horizonLock.readLock().lock();
    try {
      // One snapshot for the neighbours and the range: a re-roll may commit in between.
      c.setAutoCommit(false);
      Horizons h = horizons();
      var before = neighbours(c, ids, f, h, true);
      var after = neighbours(c, ids, t, h, false);
      for (var e : before.entrySet()) {
        out.computeIfAbsent(e.getKey(), id -> new ArrayList<>()).add(e.getValue());
      }
      String inRange = f < t ? StepSql.runSources(ids, f, t, h) : null;
      if (inRange != null) {
        try (var st = c.createStatement();
            var rs = st.executeQuery(inRange)) {
          int current = -1;
          List<Run> runs = null;
          while (rs.next()) {
            int id = rs.getInt(1);
            if (id != current) {
              current = id;
              runs = out.computeIfAbsent(id, k -> new ArrayList<>());
            }
            runs.add(run(rs));
            rows++;
          }
        }
      }
      // Sorted here rather than in SQL: the rows come nearly in order, which TimSort takes in
      // one pass, where DuckDB's sort of the whole batch took two thirds of the time.
      for (var runs : out.values()) {
        runs.sort(BY_FIRST);
      }
      for (var e : after.entrySet()) {
        out.computeIfAbsent(e.getKey(), id -> new ArrayList<>()).add(e.getValue());
      }
      c.commit();
    } finally {
      try {
        c.setAutoCommit(true);
      } finally {
        horizonLock.readLock().unlock();
      }
    }
    return rows;
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

  /**
   * Per series, the last run whose first reading is before {@code t} ({@code before}) or the first
   * one at or after it: within a day first, then a month, then without bound, each wider look only
   * for series whose known time bounds allow a run there.
   */
  private Map<Integer, Run> neighbours(
      Connection c, Collection<Integer> ids, long t, Horizons h, boolean before)
      throws SQLException {
    var found = new HashMap<Integer, Run>();
    long searched = 0;
    for (long reach : NEIGHBOUR_REACH) {
      var todo = new ArrayList<Integer>();
      for (int id : ids) {
        var b = catalog.bounds(id);
        boolean possible =
            b != null && (before ? b.minGoodTs < t - searched : b.maxTs >= t + searched);
        if (!found.containsKey(id) && possible) {
          todo.add(id);
        }
      }
      if (todo.isEmpty()) {
        break;
      }
      long far = reach == Long.MAX_VALUE ? MAX_MILLIS : Math.min(MAX_MILLIS, reach);
      long a = before ? Math.max(-MAX_MILLIS, t - far) : t;
      long b = before ? t : Math.min(MAX_MILLIS, t + far);
      String sources = StepSql.runSources(todo, a, b, h);
      if (sources != null) {
        try (var st = c.createStatement();
            var rs =
                st.executeQuery(
                    "SELECT * FROM ("
                        + sources
                        + ") QUALIFY row_number() OVER (PARTITION BY series_id ORDER BY first_ts"
                        + (before ? " DESC" : "")
                        + ") = 1")) {
          while (rs.next()) {
            found.put(rs.getInt(1), run(rs));
          }
        }
      }
      searched = far;
    }
    return found;
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
            + " AND "
            + GOOD
            + " AND ts >= "
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
      throw failure("count failed", e);
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
    boolean backFilled = false;
    try {
      writeLock.lock();
      List<long[]> chunks;
      try {
        ensureOpen();
        rollMinutes(alignDown(n - ROLLUP_GRACE, MINUTE));
        chunks = dirtyChunks();
      } finally {
        writeLock.unlock();
      }
      // Large back-fills are merged a chunk at a time; writes go on in between.
      for (int i = 0; i < chunks.size() - 1; i++) {
        writeLock.lock();
        try {
          ensureOpen();
          backFilled |= rerollDirty(chunks.get(i)[0], chunks.get(i)[1]);
        } finally {
          writeLock.unlock();
        }
      }
      writeLock.lock();
      try {
        ensureOpen();
        // The rest, and whatever was written meanwhile, under the lock retention runs in: no raw
        // point is deleted before its rollup holds it.
        backFilled |= rerollDirty(-MAX_MILLIS, MAX_MILLIS);
        rollHours();
        applyRetention(n, backFilled);
      } finally {
        writeLock.unlock();
      }
    } catch (SQLException e) {
      throw failure("maintenance failed", e);
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

  /** Minute bins of the good raw points in {@code [from, to)}. */
  private void insertMinuteRollups(Collection<Integer> ids, long from, long to)
      throws SQLException {
    execute(
        "INSERT INTO rollup_1m (" + ROLLUP_COLUMNS + ") " + StepSql.rawMinuteBins(ids, from, to));
  }

  /** Hour bins of the minute bins in {@code [from, to)}. */
  private void insertHourRollups(Collection<Integer> ids, long from, long to) throws SQLException {
    insertCombined(
        "rollup_1h",
        "SELECT "
            + StepSql.binPiece("b", HOUR)
            + " FROM rollup_1m b WHERE "
            + idFilter("b.series_id", ids)
            + " AND b.bucket >= "
            + from
            + " AND b.bucket < "
            + to,
        null,
        null);
  }

  /**
   * Inserts the bins {@link StepSql#combine} makes of {@code pieces}, those passing {@code where}.
   * With {@code replacing}, the bins are made first and that statement runs before they are
   * inserted: it deletes the bins they were made from.
   */
  private void insertCombined(String table, String pieces, String where, String replacing)
      throws SQLException {
    String bins =
        "SELECT "
            + ROLLUP_COLUMNS
            + " FROM ("
            + StepSql.combine(pieces)
            + ")"
            + (where == null ? "" : " WHERE " + where);
    if (replacing == null) {
      execute("INSERT INTO " + table + " (" + ROLLUP_COLUMNS + ") " + bins);
      return;
    }
    execute("CREATE OR REPLACE TEMP TABLE combined AS " + bins);
    execute(replacing);
    execute("INSERT INTO " + table + " (" + ROLLUP_COLUMNS + ") SELECT * FROM combined");
    execute("DROP TABLE combined");
  }

  /**
   * Brings rollups up to date with data written into minutes already rolled up (late data, replays,
   * back-fill), whatever its age, for the dirty minutes in {@code [from, to)}:
   *
   * <ul>
   *   <li>at or after the raw horizon, where raw points are all kept, the minute is rolled up again
   *       from them;
   *   <li>between the minute and the raw horizon the new readings are merged into the minute's bin:
   *       those before its first or after its last reading extend it, those at or between them
   *       (replacements, or readings that would fall between readings no longer kept) are left out,
   *       as nothing tells where they would go;
   *   <li>between the hour and the minute horizon they are merged into the hour's bin the same way;
   *   <li>before the hour horizon nothing is kept.
   * </ul>
   *
   * Hours over changed minutes are made again from their minutes. A bin into which nothing new was
   * merged is left as it is, so writing the same back-fill twice changes nothing.
   *
   * @return whether any of it lay before the raw horizon, so retention must delete it now
   */
  private boolean rerollDirty(long from, long to) throws SQLException {
    String range = " WHERE bucket >= " + from + " AND bucket < " + to;
    Long dirty = singleLong("SELECT count(*) FROM rollup_dirty" + range);
    if (dirty == null || dirty == 0) {
      return false;
    }
    Horizons h = horizons();
    long rh = h.raw();
    long mh = h.minute();
    long hh = h.hour();
    boolean[] below = {false};
    inTransaction(
        () -> {
          execute(
              "CREATE OR REPLACE TEMP TABLE dirty_1m AS"
                  + " SELECT DISTINCT series_id, bucket FROM rollup_dirty"
                  + range);
          long lo = singleLong("SELECT min(bucket) FROM dirty_1m");
          long hi = singleLong("SELECT max(bucket) FROM dirty_1m");
          below[0] = lo < rh;
          String tsRange = " AND p.ts >= " + alignDown(lo, HOUR) + " AND p.ts < " + (hi + HOUR);
          String good = " AND p.quality <= 1 AND isfinite(p.value)";
          // From the minute horizon on: the good raw readings of dirty minutes, less those a
          // bin whose raw points are gone already spans.
          execute(
              "CREATE OR REPLACE TEMP TABLE raw_1m AS SELECT p.series_id, d.bucket, p.ts, p.value"
                  + " FROM points p JOIN dirty_1m d ON p.series_id = d.series_id AND "
                  + stepOf("p.ts", MINUTE)
                  + " = d.bucket LEFT JOIN rollup_1m b ON d.bucket < "
                  + rh
                  + " AND b.series_id = d.series_id AND b.bucket = d.bucket WHERE d.bucket >= "
                  + mh
                  + good
                  + tsRange
                  + " AND (b.series_id IS NULL OR p.ts < b.first_ts OR p.ts > b.last_ts)");
          // Where raw is kept every dirty minute is made again (a reading may have turned bad,
          // so its bin may go); before the raw horizon only bins something is merged into.
          execute(
              "CREATE OR REPLACE TEMP TABLE changed_1m AS SELECT series_id, bucket FROM dirty_1m"
                  + " WHERE bucket >= "
                  + rh
                  + " UNION SELECT DISTINCT series_id, bucket FROM raw_1m WHERE bucket < "
                  + rh);
          execute(
              "DELETE FROM rollup_1m USING changed_1m c WHERE rollup_1m.series_id = c.series_id"
                  + " AND rollup_1m.bucket = c.bucket AND c.bucket >= "
                  + rh);
          insertCombined(
              "rollup_1m",
              "SELECT "
                  + RAW_PIECE
                  + " FROM raw_1m p UNION ALL SELECT "
                  + StepSql.binPiece("b", MINUTE)
                  + " FROM rollup_1m b JOIN changed_1m c ON b.series_id = c.series_id AND"
                  + " b.bucket = c.bucket WHERE c.bucket < "
                  + rh,
              null,
              // The merged bins replace the old ones below the raw horizon.
              "DELETE FROM rollup_1m USING changed_1m c WHERE rollup_1m.series_id = c.series_id"
                  + " AND rollup_1m.bucket = c.bucket AND c.bucket < "
                  + rh);
          if (watermark1h != UNSET) {
            execute(
                "CREATE OR REPLACE TEMP TABLE changed_1h AS SELECT DISTINCT series_id, "
                    + stepOf("bucket", HOUR)
                    + " AS bucket FROM changed_1m WHERE bucket < "
                    + watermark1h);
            execute(
                "DELETE FROM rollup_1h USING changed_1h c WHERE rollup_1h.series_id = c.series_id"
                    + " AND rollup_1h.bucket = c.bucket");
            insertCombined(
                "rollup_1h",
                "SELECT "
                    + StepSql.binPiece("b", HOUR)
                    + " FROM rollup_1m b JOIN changed_1h c ON b.series_id = c.series_id AND "
                    + stepOf("b.bucket", HOUR)
                    + " = c.bucket",
                null,
                null);
          }
          if (hh < mh && lo < mh) {
            // Minutes are gone here: merge straight into the hour bins.
            execute(
                "CREATE OR REPLACE TEMP TABLE dirty_1h AS SELECT DISTINCT series_id, "
                    + stepOf("bucket", HOUR)
                    + " AS bucket FROM dirty_1m WHERE bucket >= "
                    + hh
                    + " AND bucket < "
                    + mh);
            execute(
                "CREATE OR REPLACE TEMP TABLE raw_1h AS SELECT p.series_id, d.bucket, p.ts,"
                    + " p.value FROM points p JOIN dirty_1h d ON p.series_id = d.series_id AND "
                    + stepOf("p.ts", HOUR)
                    + " = d.bucket LEFT JOIN rollup_1h b ON b.series_id = d.series_id"
                    + " AND b.bucket = d.bucket WHERE TRUE"
                    + good
                    + tsRange
                    + " AND (b.series_id IS NULL OR p.ts < b.first_ts OR p.ts > b.last_ts)");
            execute(
                "CREATE OR REPLACE TEMP TABLE changed_h AS SELECT DISTINCT series_id, bucket"
                    + " FROM raw_1h");
            insertCombined(
                "rollup_1h",
                "SELECT "
                    + RAW_PIECE
                    + " FROM raw_1h p UNION ALL SELECT "
                    + StepSql.binPiece("b", HOUR)
                    + " FROM rollup_1h b JOIN changed_h c ON b.series_id = c.series_id AND"
                    + " b.bucket = c.bucket",
                null,
                "DELETE FROM rollup_1h USING changed_h c WHERE rollup_1h.series_id ="
                    + " c.series_id AND rollup_1h.bucket = c.bucket");
          }
          if (lo < hh) {
            log.warn(
                "data older than the hour retention was written; it is not rolled up and the"
                    + " next retention pass deletes it");
          }
          execute("DELETE FROM rollup_dirty" + range);
          execute(
              "DROP TABLE IF EXISTS dirty_1m; DROP TABLE IF EXISTS raw_1m;"
                  + " DROP TABLE IF EXISTS changed_1m; DROP TABLE IF EXISTS changed_1h;"
                  + " DROP TABLE IF EXISTS dirty_1h; DROP TABLE IF EXISTS raw_1h;"
                  + " DROP TABLE IF EXISTS changed_h");
        });
    return below[0];
  }

  /** A raw reading {@code p} (series_id, bucket, ts, value) as a piece of that bucket's bin. */
  private static final String RAW_PIECE =
      "p.series_id, p.bucket, p.ts, p.value, p.ts, p.value, 1::BIGINT, p.value, p.value, p.value,"
          + " 0.0::DOUBLE, 0.0::DOUBLE, 0.0::DOUBLE, 0::BIGINT, 0.0::DOUBLE, 0.0::DOUBLE,"
          + " 0::INTEGER, 0.0::DOUBLE, 0.0::DOUBLE, 1";

  /**
   * Ranges of dirty minutes to merge one transaction at a time: consecutive hours holding about
   * {@link #DIRTY_CHUNK_ROWS} dirty minutes, so a month's back-fill neither spills nor holds the
   * write lock for minutes.
   */
  private List<long[]> dirtyChunks() throws SQLException {
    var chunks = new ArrayList<long[]>();
    try (var st = writer.createStatement();
        var rs =
            st.executeQuery(
                "SELECT "
                    + stepOf("bucket", HOUR)
                    + " AS h, count(*) FROM rollup_dirty GROUP BY 1 ORDER BY 1")) {
      long start = 0;
      long rows = 0;
      long last = 0;
      while (rs.next()) {
        long hour = rs.getLong(1);
        if (rows == 0) {
          start = hour;
        }
        rows += rs.getLong(2);
        last = hour;
        if (rows >= dirtyChunkRows) {
          chunks.add(new long[] {start, hour + HOUR});
          rows = 0;
        }
      }
      if (rows > 0) {
        chunks.add(new long[] {start, last + HOUR});
      }
    }
    return chunks;
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

  /**
   * Deletes what retention no longer keeps. Raw points go only once rolled up: below the hour
   * watermark, and below the raw horizon only after {@link #rerollDirty} merged what was written
   * there ({@code backFilled}), which runs just before under the same lock.
   */
  private void applyRetention(long now, boolean backFilled) throws SQLException {
    if (watermark1h == UNSET) {
      return;
    }
    // Nothing is dropped before both rollups hold it; minute rollups go no further than raw
    // points, so a late-data re-roll of an hour always finds its minutes.
    long raw =
        Math.max(Math.min(alignDown(now - rawRetention.toMillis(), HOUR), watermark1h), rawHorizon);
    long minute =
        Math.min(alignDown(now - minuteRetention.toMillis(), HOUR), Math.max(raw, rawHorizon));
    long hour = alignDown(now - hourRetention.toMillis(), HOUR);
    horizonLock.writeLock().lock();
    try {
      if (raw > rawHorizon || backFilled) {
        inTransaction(
            () -> {
              // The last good reading before the horizon stays: it is the first half of the
              // counter pair that straddles the horizon.
              execute(
                  "DELETE FROM points WHERE ts < "
                      + raw
                      + " AND rowid NOT IN (SELECT arg_max(rowid, ts) FROM points WHERE ts < "
                      + raw
                      + " AND "
                      + GOOD
                      + " GROUP BY series_id)");
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
  // Schema migration

  /**
   * Brings a database written before runs existed to the current schema: adds the run columns to
   * both rollup tables, then in one transaction
   *
   * <ul>
   *   <li>makes every bin's {@code increase} cover only the pairs inside it (it used to include the
   *       pair into the bin, which queries now add from the bin before);
   *   <li>remakes minute bins from raw points where these are kept (from the raw horizon on) and
   *       hour bins from minute bins where those are (from the minute horizon on);
   *   <li>gives the older bins, whose readings are gone, the figures of one straight pair from
   *       their first to their last reading (see the package README).
   * </ul>
   */
  private void migrate() throws SQLException {
    var missing = new ArrayList<String>();
    for (String table : List.of("rollup_1m", "rollup_1h")) {
      var have = new HashSet<String>();
      try (var ps =
          writer.prepareStatement(
              "SELECT column_name FROM information_schema.columns WHERE table_name = ?")) {
        ps.setString(1, table);
        try (var rs = ps.executeQuery()) {
          while (rs.next()) {
            have.add(rs.getString(1));
          }
        }
      }
      for (String column : StepSql.RUN_COLUMNS) {
        if (!have.contains(column.substring(0, column.indexOf(' ')))) {
          missing.add("ALTER TABLE " + table + " ADD COLUMN " + column);
        }
      }
    }
    if (missing.isEmpty()) {
      return;
    }
    long started = System.nanoTime();
    inTransaction(
        () -> {
          for (String alter : missing) {
            execute(alter);
          }
          long rh = orEarliest(rawHorizon);
          long mh = orEarliest(minuteHorizon);
          // Old bins whose readings are gone: the pair into each bin leaves its increase (the
          // reading before a minute bin may sit in an hour bin), the rest is one straight pair.
          convertOldBins(
              "rollup_1m",
              rh,
              "WITH f AS (SELECT series_id, min(first_ts) AS fts FROM rollup_1m GROUP BY 1),"
                  + " hp AS (SELECT h.series_id, arg_max(h.last_val, h.last_ts) AS hv FROM"
                  + " rollup_1h h JOIN f ON h.series_id = f.series_id AND h.last_ts < f.fts"
                  + " GROUP BY 1) SELECT m.series_id, m.bucket, coalesce(m.lv, hp.hv) AS pv FROM"
                  + " (SELECT series_id, bucket, lag(last_val) OVER (PARTITION BY series_id ORDER"
                  + " BY bucket) AS lv FROM rollup_1m) m LEFT JOIN hp ON m.series_id ="
                  + " hp.series_id");
          convertOldBins(
              "rollup_1h",
              mh,
              "SELECT series_id, bucket, lag(last_val) OVER (PARTITION BY series_id ORDER BY"
                  + " bucket) AS pv FROM rollup_1h");
          // Where raw points are kept, minute bins are made again from them, exactly.
          if (watermark1m != UNSET) {
            Long first = singleLong("SELECT min(bucket) FROM rollup_1m WHERE bucket >= " + rh);
            for (long lo = first == null ? watermark1m : first;
                lo < watermark1m;
                lo += MINUTE_CHUNK) {
              long hi = Math.min(watermark1m, lo + MINUTE_CHUNK);
              execute("DELETE FROM rollup_1m WHERE bucket >= " + lo + " AND bucket < " + hi);
              insertMinuteRollups(null, lo, hi);
            }
          }
          // Where minute bins are kept, hour bins are made again from them.
          if (watermark1h != UNSET) {
            Long first = singleLong("SELECT min(bucket) FROM rollup_1h WHERE bucket >= " + mh);
            for (long lo = first == null ? watermark1h : first;
                lo < watermark1h;
                lo += HOUR_CHUNK) {
              long hi = Math.min(watermark1h, lo + HOUR_CHUNK);
              execute("DELETE FROM rollup_1h WHERE bucket >= " + lo + " AND bucket < " + hi);
              insertHourRollups(null, lo, hi);
            }
          }
        });
    log.info(
        "embedded store: rollup tables migrated for runs in {} ms",
        (System.nanoTime() - started) / 1_000_000);
  }

  /**
   * Old bins below {@code horizon}: {@code increase} less the pair into the bin from the reading
   * before it ({@code pv} of {@code previous}), and the figures of one straight pair from the first
   * to the last reading.
   */
  private void convertOldBins(String table, long horizon, String previous) throws SQLException {
    String pair = "(first_val + last_val) / 2 * (last_ts - first_ts)";
    String down = "last_val < first_val";
    execute(
        "UPDATE "
            + table
            + " SET increase = increase - CASE WHEN s.pv IS NULL THEN 0.0 WHEN first_val >= s.pv"
            + " THEN first_val - s.pv ELSE first_val END,"
            + " rise = greatest(last_val - first_val, 0.0), area = "
            + pair
            + ", longest_ms = last_ts - first_ts, longest_rise = last_val - first_val,"
            + " longest_area = "
            + pair
            + ", drops = CASE WHEN "
            + down
            + " THEN 1 ELSE 0 END, drop_from = CASE WHEN "
            + down
            + " THEN first_val ELSE 0.0 END, drop_to = CASE WHEN "
            + down
            + " THEN last_val ELSE 0.0 END FROM ("
            + previous
            + ") s WHERE "
            + table
            + ".series_id = s.series_id AND "
            + table
            + ".bucket = s.bucket AND "
            + table
            + ".rise IS NULL AND "
            + table
            + ".bucket < "
            + horizon);
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

  /**
   * The exception for a failed call; damage (I/O errors, corruption) also turns {@link #health} to
   * FAILING, since DuckDB answers every later call on a damaged file the same way.
   */
  private StoreException failure(String what, SQLException e) {
    if (!StoreDamage.isDamage(e) && !StoreDamage.invalidatesInstance(e)) {
      return new StoreException(what, e);
    }
    boolean wasOk = health.state() == StoreHealth.State.OK;
    if (StoreDamage.invalidatesInstance(e)) {
      // DuckDB takes a failed write (a full disk, an I/O error) as fatal to the open instance; the
      // next write reopens it, and health clears once a write succeeds again.
      if (!invalidated) {
        nextReopenNanos = System.nanoTime() + REOPEN_EVERY.toNanos();
      }
      invalidated = true;
      failingFromWrite = wasOk || failingFromWrite;
    }
    if (wasOk) {
      String advice =
          StoreDamage.diskFull(e)
              ? " (free space on the disk under " + file.getParent() + ")"
              : " (run `kilowatch store check`)";
      health = StoreHealth.failing(what + ": " + StoreDamage.cause(e) + advice, Instant.now());
      log.error("the store file {} is failing: {}", file, health.cause());
    }
    return new StoreDamagedException(
        file,
        what
            + ": "
            + (StoreDamage.diskFull(e)
                ? "the disk is full under " + file.getParent()
                : "the store file " + file + " is damaged"),
        e);
  }

  @Override
  public StoreHealth health() {
    return health;
  }

  /** The file this store keeps everything in. */
  public Path file() {
    return file;
  }

  /**
   * What the open found of a write-ahead log left by an unclean stop, or null when there was none.
   */
  public String walNote() {
    return walNote;
  }

  /**
   * A WAL next to the file means the last run did not close the store (a clean close checkpoints
   * and removes it). DuckDB replays it on open up to its last complete commit and silently drops a
   * torn or truncated tail, so the person starting the store must hear of it.
   */
  private static String walNote(Path file) {
    Path wal = file.resolveSibling(file.getFileName() + ".wal");
    try {
      if (!Files.exists(wal)) {
        return null;
      }
      return "the store was not closed cleanly: replaying the write-ahead log "
          + wal
          + " ("
          + Files.size(wal)
          + " bytes); DuckDB replays it up to its last complete commit and drops a truncated"
          + " or damaged tail without an error, so writes acknowledged just before the stop may be"
          + " missing";
    } catch (IOException e) {
      return "the store was not closed cleanly and its write-ahead log "
          + wal
          + " is unreadable: "
          + e.getMessage();
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new StoreException("embedded store is closed");
    }
  }

  /** Merges back-fills in smaller transactions than the default; for tests. */
  void dirtyChunkRows(long rows) {
    dirtyChunkRows = rows;
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
