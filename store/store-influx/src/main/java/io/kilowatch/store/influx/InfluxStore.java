package io.kilowatch.store.influx;

import static io.kilowatch.store.influx.InfluxQl.ident;
import static io.kilowatch.store.influx.InfluxQl.millis;
import static io.kilowatch.store.influx.InfluxQl.range;
import static io.kilowatch.store.influx.InfluxQl.tagFilter;

import io.kilowatch.config.InfluxConfig;
import io.kilowatch.store.Aggregate;
import io.kilowatch.store.Bucket;
import io.kilowatch.store.Point;
import io.kilowatch.store.Quality;
import io.kilowatch.store.RejectedWriteException;
import io.kilowatch.store.Sample;
import io.kilowatch.store.SeriesBuckets;
import io.kilowatch.store.SeriesKey;
import io.kilowatch.store.SeriesPoints;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.Store;
import io.kilowatch.store.StoreException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.influxdb.InfluxDB;
import org.influxdb.InfluxDBException;
import org.influxdb.InfluxDBFactory;
import org.influxdb.dto.BatchPoints;
import org.influxdb.dto.Query;
import org.influxdb.dto.QueryResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Store} in InfluxDB, through its v1 HTTP API (native in 1.x, a compatibility layer in 2.x
 * and 3.x). The layout is the one Grafana users expect: a sample is one point of its measurement
 * with its tags, one float field per reading ({@code power_w}), so {@code SELECT mean("power_w")
 * FROM "pdu" WHERE "rack" = 'r1'} works as is. Two kinds of helper fields ride along; see the
 * package README for why and for what differs from the embedded store.
 *
 * <ul>
 *   <li>{@code <field>.q} (integer): the reading's {@link Quality} code, so only good and uncertain
 *       readings enter aggregates; 16, 32 and 48 added mean the value was NaN, +∞ or −∞, which
 *       InfluxDB cannot store (the value field is then left out).
 *   <li>{@code <field>.series} (boolean) at the start of the hour of a reading, once per series and
 *       hour: InfluxDB keeps field keys per measurement, not per series, and this lets {@link
 *       #listSeries} name exactly the series that exist without scanning their data.
 * </ul>
 *
 * <p>Writes are idempotent: a point with the same series and timestamp replaces the earlier one, so
 * replaying a buffered batch is safe. Step aggregates other than {@code COUNTER_DELTA} run in
 * InfluxDB ({@code GROUP BY time(step)} is aligned to multiples of the step since the epoch, like
 * the embedded store's steps). Counter deltas are assembled from per-step InfluxQL results plus the
 * value after each reset, because InfluxQL's {@code non_negative_difference} drops the reading
 * after a reset where the Store contract counts it in full.
 */
public final class InfluxStore implements Store {
  private static final Logger log = LoggerFactory.getLogger(InfluxStore.class);

  static final String QUALITY_SUFFIX = ".q";
  static final String SERIES_SUFFIX = ".series";
  private static final int NAN = 16;
  private static final int POSITIVE_INFINITY = 32;
  private static final int NEGATIVE_INFINITY = 48;
  private static final long HOUR_MS = 3_600_000;

  private final InfluxDB client;
  private final String database;
  private final String retentionPolicy;

  /** Series whose marker is written, with the latest hour it was written for. */
  private final Map<SeriesKey, Long> markedHour = new ConcurrentHashMap<>();

  private InfluxStore(InfluxDB client, String database, String retentionPolicy) {
    this.client = client;
    this.database = database;
    this.retentionPolicy = retentionPolicy;
  }

  /**
   * Connects; does not fail when the server is down (writes then fail and can be buffered by a
   * {@link io.kilowatch.store.buffer.BufferedStore}), but says so in the log.
   */
  public static InfluxStore open(InfluxConfig config) {
    var http =
        new OkHttpClient.Builder()
            .connectTimeout(5, TimeUnit.SECONDS)
            .readTimeout(60, TimeUnit.SECONDS)
            .writeTimeout(30, TimeUnit.SECONDS);
    if (config.token() != null) {
      // 2.x and 3.x accept their API token this way on the v1 endpoints.
      String header = "Token " + config.token();
      http.addInterceptor(
          chain ->
              chain.proceed(chain.request().newBuilder().header("Authorization", header).build()));
    }
    String url = config.url().toString();
    InfluxDB client =
        config.username() != null
            ? InfluxDBFactory.connect(url, config.username(), config.password(), http)
            : InfluxDBFactory.connect(url, http);
    client.enableGzip();
    var store = new InfluxStore(client, config.database(), config.retentionPolicy());
    try {
      client.ping();
    } catch (RuntimeException e) {
      log.warn("InfluxDB at {} does not answer yet: {}", url, e.toString());
    }
    return store;
  }

  /** Creates the database if missing (needs admin rights on 1.x; tests and benchmarks use it). */
  public void createDatabase() {
    run(new Query("CREATE DATABASE " + ident(database), null, true));
  }

  // ---------------------------------------------------------------------------------------------
  // Writes

  @Override
  public void write(List<Sample> batch) {
    if (batch.isEmpty()) {
      return;
    }
    var points =
        BatchPoints.database(database)
            .retentionPolicy(retentionPolicy)
            .precision(TimeUnit.MILLISECONDS);
    var newMarks = new java.util.HashSet<SeriesHour>();
    // Markers of one measurement, tag set and hour share a point.
    var markers = new LinkedHashMap<MarkerPoint, Set<String>>();
    for (Sample s : batch) {
      long ms = s.time().toEpochMilli();
      var p =
          org.influxdb.dto.Point.measurement(s.measurement())
              .time(ms, TimeUnit.MILLISECONDS)
              .tag(s.tags());
      for (var f : s.fields().entrySet()) {
        double v = f.getValue() == null ? Double.NaN : f.getValue();
        int flag = 0;
        if (Double.isNaN(v)) {
          flag = NAN;
        } else if (Double.isInfinite(v)) {
          flag = v > 0 ? POSITIVE_INFINITY : NEGATIVE_INFINITY;
        } else {
          p.addField(f.getKey(), v);
        }
        p.addField(f.getKey() + QUALITY_SUFFIX, (long) (s.quality().code() | flag));
        SeriesKey key = s.key(f.getKey());
        long hour = Math.floorDiv(ms, HOUR_MS) * HOUR_MS;
        Long marked = markedHour.get(key);
        if ((marked == null || marked != hour) && newMarks.add(new SeriesHour(key, hour))) {
          markers
              .computeIfAbsent(
                  new MarkerPoint(s.measurement(), s.tags(), hour), m -> new LinkedHashSet<>())
              .add(f.getKey());
        }
      }
      points.point(p.build());
    }
    for (var m : markers.entrySet()) {
      var p =
          org.influxdb.dto.Point.measurement(m.getKey().measurement())
              .time(m.getKey().hour(), TimeUnit.MILLISECONDS)
              .tag(m.getKey().tags());
      m.getValue().forEach(f -> p.addField(f + SERIES_SUFFIX, true));
      points.point(p.build());
    }
    try {
      client.write(points.build());
    } catch (InfluxDBException.FieldTypeConflictException
        | InfluxDBException.UnableToParseException
        | InfluxDBException.PointsBeyondRetentionPolicyException e) {
      // The valid points of the batch are written; the rest will never be accepted.
      throw new RejectedWriteException(
          "InfluxDB refused part of a batch of " + batch.size() + " samples: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new StoreException(
          "write of " + batch.size() + " samples to InfluxDB failed: " + e.getMessage(), e);
    }
    newMarks.forEach(m -> markedHour.merge(m.key(), m.hour(), Math::max));
  }

  private record SeriesHour(SeriesKey key, long hour) {}

  private record MarkerPoint(String measurement, SortedMap<String, String> tags, long hour) {}

  // ---------------------------------------------------------------------------------------------
  // Queries

  @Override
  public List<SeriesKey> listSeries(SeriesQuery query) {
    return listSeries(query, InfluxQl.MIN_MILLIS, InfluxQl.MAX_MILLIS);
  }

  /**
   * Series with a marker in {@code [from, to)}. A series with a reading in a range has a marker at
   * the start of that reading's hour, so queries list only from the hour their range starts in.
   */
  private List<SeriesKey> listSeries(SeriesQuery query, long from, long to) {
    boolean any = query.measurement() == null || query.measurement().isEmpty();
    // One row per series: the last marker of each field, non-null where the series has the field.
    String fields =
        query.field() == null
            ? "last(/\\.series$/)"
            : "last("
                + ident(query.field() + SERIES_SUFFIX)
                + ") AS "
                + ident("last_" + query.field() + SERIES_SUFFIX);
    String source = source(any ? "/.*/" : ident(query.measurement()));
    String q =
        "SELECT "
            + fields
            + " FROM "
            + source
            + " WHERE "
            + range(from, to)
            + tagFilter(query.tags())
            + " GROUP BY *";
    // Sorted by their text, like the embedded store's answers.
    var keys = new TreeMap<String, SeriesKey>();
    for (var series : series(run(query(q)).getFirst())) {
      var tags = tags(series);
      var columns = series.getColumns();
      for (int c = 1; c < columns.size(); c++) {
        String column = columns.get(c);
        if (!column.startsWith("last_")
            || !column.endsWith(SERIES_SUFFIX)
            || !anyNonNull(series.getValues(), c)) {
          continue;
        }
        String field = column.substring("last_".length(), column.length() - SERIES_SUFFIX.length());
        var key = new SeriesKey(series.getName(), tags, field);
        if ((any || key.measurement().equals(query.measurement()))
            && fieldMatches(query, key)
            && key.matches(query.tags())) {
          keys.put(key.toString(), key);
        }
      }
    }
    return List.copyOf(keys.values());
  }

  private static boolean fieldMatches(SeriesQuery q, SeriesKey key) {
    return q.field() == null || q.field().equals(key.field());
  }

  @Override
  public List<SeriesPoints> read(SeriesQuery query, Instant from, Instant to) {
    long f = Math.max(millis(from), InfluxQl.MIN_MILLIS);
    long t = millis(to);
    if (f >= t) {
      return List.of();
    }
    var keys = listSeries(query, hourOf(f), t);
    var byMeasurement = fieldsByMeasurement(keys);
    var statements = new ArrayList<String>();
    for (var e : byMeasurement.entrySet()) {
      var columns = new ArrayList<String>();
      for (String field : e.getValue()) {
        columns.add(ident(field));
        columns.add(ident(field + QUALITY_SUFFIX));
      }
      statements.add(
          "SELECT "
              + String.join(", ", columns)
              + " FROM "
              + source(ident(e.getKey()))
              + " WHERE "
              + range(f, t)
              + tagFilter(query.tags())
              + " GROUP BY *");
    }
    if (statements.isEmpty()) {
      return List.of();
    }
    var results = run(query(String.join("; ", statements)));
    var points = new HashMap<SeriesKey, List<Point>>();
    for (var result : results) {
      for (var series : series(result)) {
        var tags = tags(series);
        var columns = series.getColumns();
        for (int c = 1; c + 1 < columns.size(); c += 2) {
          var key = new SeriesKey(series.getName(), tags, columns.get(c));
          var out = new ArrayList<Point>();
          for (var row : series.getValues()) {
            if (row.get(c + 1) == null) {
              continue;
            }
            int code = number(row.get(c + 1)).intValue();
            double v =
                switch (code & 0x30) {
                  case NAN -> Double.NaN;
                  case POSITIVE_INFINITY -> Double.POSITIVE_INFINITY;
                  case NEGATIVE_INFINITY -> Double.NEGATIVE_INFINITY;
                  default -> row.get(c) == null ? Double.NaN : number(row.get(c)).doubleValue();
                };
            out.add(new Point(time(row), v, Quality.ofCode(code & 0x0f)));
          }
          if (!out.isEmpty()) {
            points.put(key, out);
          }
        }
      }
    }
    var answer = new ArrayList<SeriesPoints>();
    for (var key : keys) {
      var p = points.get(key);
      if (p != null) {
        answer.add(new SeriesPoints(key, p));
      }
    }
    return answer;
  }

  @Override
  public List<SeriesBuckets> aggregate(
      SeriesQuery query, Instant from, Instant to, Duration step, Aggregate aggregate) {
    long s = step.toMillis();
    if (s <= 0) {
      throw new IllegalArgumentException("step must be at least 1 ms: " + step);
    }
    long f = Math.max(millis(from), InfluxQl.MIN_MILLIS);
    long t = millis(to);
    if (f >= t) {
      return List.of();
    }
    var keys = listSeries(query, hourOf(f), t);
    if (keys.isEmpty()) {
      return List.of();
    }
    var buckets =
        aggregate == Aggregate.COUNTER_DELTA
            ? counterDeltas(keys, query, f, t, s)
            : pushedDown(keys, query, f, t, s, aggregate);
    var answer = new ArrayList<SeriesBuckets>();
    for (var key : keys) {
      var b = buckets.get(key);
      if (b != null && !b.isEmpty()) {
        answer.add(new SeriesBuckets(key, b));
      }
    }
    return answer;
  }

  /** Aggregates InfluxQL computes with the same meaning as the Store contract. */
  private Map<SeriesKey, List<Bucket>> pushedDown(
      List<SeriesKey> keys, SeriesQuery query, long f, long t, long step, Aggregate aggregate) {
    String fn =
        switch (aggregate) {
          case MEAN -> "mean";
          case MIN -> "min";
          case MAX -> "max";
          case LAST -> "last";
          case COUNTER_DELTA -> throw new IllegalArgumentException("see counterDeltas");
        };
    var statements = new ArrayList<String>();
    for (var e : fieldsByMeasurement(keys).entrySet()) {
      for (String field : e.getValue()) {
        statements.add(
            "SELECT count("
                + ident(field)
                + "), "
                + fn
                + "("
                + ident(field)
                + ") FROM "
                + source(ident(e.getKey()))
                + " WHERE "
                + ident(field + QUALITY_SUFFIX)
                + " <= "
                + Quality.UNCERTAIN.code()
                + " AND "
                + range(f, t)
                + tagFilter(query.tags())
                + " GROUP BY time("
                + step
                + "ms), * fill(none)");
      }
    }
    var results = run(query(String.join("; ", statements)));
    var out = new HashMap<SeriesKey, List<Bucket>>();
    int i = 0;
    for (var e : fieldsByMeasurement(keys).entrySet()) {
      for (String field : e.getValue()) {
        for (var series : series(results.get(i))) {
          var key = new SeriesKey(series.getName(), tags(series), field);
          var list = out.computeIfAbsent(key, k -> new ArrayList<>());
          for (var row : series.getValues()) {
            long count = number(row.get(1)).longValue();
            if (count > 0 && row.get(2) != null) {
              list.add(new Bucket(time(row), number(row.get(2)).doubleValue(), count));
            }
          }
        }
        i++;
      }
    }
    return out;
  }

  /**
   * Sum of the positive differences between consecutive good readings, a drop counting as a reset
   * (the reading after it counts in full), the pair across a step boundary in the later step, and
   * the first reading in range paired with the last good one before it.
   *
   * <p>InfluxDB does the bulk per step, so only steps travel, never the raw readings: the sum of
   * the non-negative {@code difference()}s, the count, the first reading in range and the last one
   * before it, and the time of each reset. The value after each reset (rare for a counter) is
   * fetched in a second round trip, one statement per reset, since InfluxQL can neither select a
   * reading together with its difference nor OR several instants in one condition.
   */
  private Map<SeriesKey, List<Bucket>> counterDeltas(
      List<SeriesKey> keys, SeriesQuery query, long f, long t, long step) {
    record Part(String measurement, String field) {}
    var parts = new ArrayList<Part>();
    var statements = new ArrayList<String>();
    for (var e : fieldsByMeasurement(keys).entrySet()) {
      for (String field : e.getValue()) {
        parts.add(new Part(e.getKey(), field));
        String from = " FROM " + source(ident(e.getKey()));
        String good = " WHERE " + ident(field + QUALITY_SUFFIX) + " <= " + Quality.UNCERTAIN.code();
        String where = good + " AND " + range(f, t) + tagFilter(query.tags());
        String differences =
            "(SELECT difference(" + ident(field) + ") AS d" + from + where + " GROUP BY *)";
        String byStep = " GROUP BY time(" + step + "ms), * fill(none)";
        statements.add("SELECT count(" + ident(field) + ")" + from + where + byStep);
        // The outer query repeats the range: without it, InfluxDB 1.x widens the inner one.
        String outer = " AND " + range(f, t);
        statements.add("SELECT sum(d) FROM " + differences + " WHERE d >= 0" + outer + byStep);
        statements.add("SELECT d FROM " + differences + " WHERE d < 0" + outer + " GROUP BY *");
        statements.add("SELECT first(" + ident(field) + ")" + from + where + " GROUP BY *");
        statements.add(
            "SELECT last("
                + ident(field)
                + ")"
                + from
                + good
                + " AND "
                + range(InfluxQl.MIN_MILLIS, f)
                + tagFilter(query.tags())
                + " GROUP BY *");
      }
    }
    var results = run(query(String.join("; ", statements)));
    var out = new HashMap<SeriesKey, List<Bucket>>();
    var resetLookups = new ArrayList<String>();
    var resetFields = new ArrayList<String>();
    var increases = new HashMap<SeriesKey, Map<Long, Double>>();
    for (int i = 0; i < parts.size(); i++) {
      String measurement = parts.get(i).measurement();
      String field = parts.get(i).field();
      var counts = results.get(5 * i);
      for (var series : series(counts)) {
        var key = new SeriesKey(series.getName(), tags(series), field);
        var byStep = new TreeMap<Long, Double>();
        var list = new ArrayList<Bucket>();
        for (var row : series.getValues()) {
          long c = number(row.get(1)).longValue();
          if (c > 0) {
            byStep.put(time(row).toEpochMilli(), 0.0);
            list.add(new Bucket(time(row), 0, c));
          }
        }
        increases.put(key, byStep);
        out.put(key, list);
      }
      for (var series : series(results.get(5 * i + 1))) {
        var byStep = increases.get(new SeriesKey(series.getName(), tags(series), field));
        for (var row : series.getValues()) {
          if (byStep != null && row.get(1) != null) {
            byStep.merge(time(row).toEpochMilli(), number(row.get(1)).doubleValue(), Double::sum);
          }
        }
      }
      for (var series : series(results.get(5 * i + 2))) {
        // InfluxQL cannot OR several instants together, so one statement per reset.
        for (var row : series.getValues()) {
          resetLookups.add(
              "SELECT "
                  + ident(field)
                  + " FROM "
                  + source(ident(measurement))
                  + " WHERE "
                  + ident(field + QUALITY_SUFFIX)
                  + " <= "
                  + Quality.UNCERTAIN.code()
                  + " AND time = "
                  + time(row).toEpochMilli()
                  + "ms"
                  + tagFilter(tags(series))
                  + " GROUP BY *");
          resetFields.add(field);
        }
      }
      var prior = new HashMap<SeriesKey, Double>();
      for (var series : series(results.get(5 * i + 4))) {
        var row = series.getValues().getFirst();
        if (row.get(1) != null) {
          prior.put(
              new SeriesKey(series.getName(), tags(series), field),
              number(row.get(1)).doubleValue());
        }
      }
      for (var series : series(results.get(5 * i + 3))) {
        var key = new SeriesKey(series.getName(), tags(series), field);
        var row = series.getValues().getFirst();
        Double p = prior.get(key);
        var byStep = increases.get(key);
        if (p != null && byStep != null && row.get(1) != null) {
          double v = number(row.get(1)).doubleValue();
          long b = Math.floorDiv(time(row).toEpochMilli(), step) * step;
          byStep.merge(b, v >= p ? v - p : v, Double::sum);
        }
      }
    }
    var values = new ArrayList<QueryResult.Result>();
    for (int c = 0; c < resetLookups.size(); c += 500) {
      var chunk = resetLookups.subList(c, Math.min(resetLookups.size(), c + 500));
      values.addAll(run(new Query(String.join("; ", chunk), database, true)));
    }
    for (int r = 0; r < values.size(); r++) {
      for (var series : series(values.get(r))) {
        var byStep =
            increases.get(new SeriesKey(series.getName(), tags(series), resetFields.get(r)));
        for (var row : series.getValues()) {
          if (byStep != null && row.get(1) != null) {
            long b = Math.floorDiv(time(row).toEpochMilli(), step) * step;
            byStep.merge(b, number(row.get(1)).doubleValue(), Double::sum);
          }
        }
      }
    }
    for (var e : out.entrySet()) {
      var byStep = increases.get(e.getKey());
      e.setValue(
          e.getValue().stream()
              .map(
                  b ->
                      new Bucket(
                          b.start(), byStep.getOrDefault(b.start().toEpochMilli(), 0.0), b.count()))
              .toList());
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Plumbing

  /** Fields wanted per measurement, in a stable order. */
  private static Map<String, List<String>> fieldsByMeasurement(List<SeriesKey> keys) {
    var out = new TreeMap<String, Set<String>>();
    for (var k : keys) {
      out.computeIfAbsent(k.measurement(), m -> new java.util.TreeSet<>()).add(k.field());
    }
    var lists = new LinkedHashMap<String, List<String>>();
    out.forEach((m, f) -> lists.put(m, List.copyOf(f)));
    return lists;
  }

  private static long hourOf(long ms) {
    return Math.max(InfluxQl.MIN_MILLIS, Math.floorDiv(ms, HOUR_MS) * HOUR_MS);
  }

  private String source(String measurement) {
    return retentionPolicy == null ? measurement : ident(retentionPolicy) + "." + measurement;
  }

  private Query query(String text) {
    return new Query(text, database);
  }

  private List<QueryResult.Result> run(Query q) {
    QueryResult r;
    try {
      r = client.query(q, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      throw new StoreException("InfluxDB query failed: " + e.getMessage(), e);
    }
    if (r.hasError()) {
      throw new StoreException("InfluxDB query failed: " + r.getError());
    }
    var results = r.getResults() == null ? List.<QueryResult.Result>of() : r.getResults();
    for (var result : results) {
      if (result.hasError()) {
        throw new StoreException("InfluxDB query failed: " + result.getError());
      }
    }
    return results;
  }

  private static List<QueryResult.Series> series(QueryResult.Result result) {
    return result.getSeries() == null ? List.of() : result.getSeries();
  }

  /** The series' tags; InfluxDB fills tags a series lacks with "" when grouping by all tags. */
  private static SortedMap<String, String> tags(QueryResult.Series series) {
    var tags = new TreeMap<String, String>();
    if (series.getTags() != null) {
      series
          .getTags()
          .forEach(
              (k, v) -> {
                if (v != null && !v.isEmpty()) {
                  tags.put(k, v);
                }
              });
    }
    return tags;
  }

  private static boolean anyNonNull(List<List<Object>> rows, int column) {
    return rows.stream().anyMatch(r -> r.get(column) != null);
  }

  private static Instant time(List<Object> row) {
    return Instant.ofEpochMilli(number(row.getFirst()).longValue());
  }

  private static Number number(Object o) {
    if (o instanceof Number n) {
      return n;
    }
    throw new StoreException("InfluxDB answered a non-number: " + o);
  }

  @Override
  public void close() {
    client.close();
  }
}
