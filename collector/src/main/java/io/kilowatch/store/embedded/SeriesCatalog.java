package io.kilowatch.store.embedded;

import io.kilowatch.store.SeriesKey;
import io.kilowatch.store.SeriesQuery;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The series table kept in memory: key to id for writes, id to key for answers, and per series the
 * time bounds the write path uses to decide whether a batch can simply be appended.
 */
final class SeriesCatalog {

  /** Time bounds of one series' raw points; written under the store's write lock only. */
  static final class Bounds {
    /** Latest timestamp of any point, so a newer point cannot replace an existing one. */
    volatile long maxTs = Long.MIN_VALUE;

    /** Earliest good point, so queries know when no earlier counter reading can exist. */
    volatile long minGoodTs = Long.MAX_VALUE;
  }

  private final Map<SeriesKey, Integer> ids = new ConcurrentHashMap<>();
  private final Map<Integer, SeriesKey> keys = new ConcurrentHashMap<>();
  private final Map<Integer, Bounds> bounds = new ConcurrentHashMap<>();
  private int nextId;

  void load(Connection c) throws SQLException {
    try (var st = c.createStatement();
        var rs = st.executeQuery("SELECT id, measurement, tags, field FROM series")) {
      while (rs.next()) {
        int id = rs.getInt(1);
        var key = new SeriesKey(rs.getString(2), TagCodec.decode(rs.getString(3)), rs.getString(4));
        ids.put(key, id);
        keys.put(id, key);
        bounds.put(id, new Bounds());
        nextId = Math.max(nextId, id + 1);
      }
    }
    try (var st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT series_id, max(ts), min(ts) FILTER (WHERE quality <= 1)"
                    + " FROM points GROUP BY series_id")) {
      while (rs.next()) {
        Bounds b = bounds.computeIfAbsent(rs.getInt(1), id -> new Bounds());
        b.maxTs = rs.getLong(2);
        long minGood = rs.getLong(3);
        b.minGoodTs = rs.wasNull() ? Long.MAX_VALUE : minGood;
      }
    }
  }

  /**
   * Registers, in one append, every key of {@code batch} not yet known; caller holds the write
   * lock. The first batch from a large site brings hundreds of thousands of new series (25,000 GPUs
   * × 20 fields), and one INSERT each takes minutes; one appender takes well under a second.
   */
  void registerAll(java.util.Collection<SeriesKey> batch, org.duckdb.DuckDBConnection c)
      throws SQLException {
    var fresh = new java.util.LinkedHashSet<SeriesKey>();
    for (SeriesKey k : batch) {
      if (!ids.containsKey(k)) {
        fresh.add(k);
      }
    }
    if (fresh.size() < 2) {
      return; // idFor registers a lone new series
    }
    int first = nextId;
    try (var app = c.createAppender("series")) {
      int id = first;
      for (SeriesKey k : fresh) {
        app.beginRow()
            .append(id++)
            .append(k.measurement())
            .append(TagCodec.encode(k.tags()))
            .append(k.field())
            .endRow();
      }
    }
    // Only once the rows are durable do the ids become visible to writes.
    int id = first;
    for (SeriesKey k : fresh) {
      keys.put(id, k);
      bounds.put(id, new Bounds());
      ids.put(k, id);
      id++;
    }
    nextId = id;
  }

  /** The id of a series, registering it durably first if new; caller holds the write lock. */
  int idFor(SeriesKey key, Connection c) throws SQLException {
    Integer id = ids.get(key);
    if (id != null) {
      return id;
    }
    int newId = nextId;
    try (var ps = c.prepareStatement("INSERT INTO series VALUES (?, ?, ?, ?)")) {
      ps.setInt(1, newId);
      ps.setString(2, key.measurement());
      ps.setString(3, TagCodec.encode(key.tags()));
      ps.setString(4, key.field());
      ps.executeUpdate();
    }
    nextId++;
    keys.put(newId, key);
    bounds.put(newId, new Bounds());
    ids.put(key, newId);
    return newId;
  }

  Bounds bounds(int id) {
    return bounds.get(id);
  }

  SeriesKey key(int id) {
    return keys.get(id);
  }

  List<Integer> allIds() {
    return new ArrayList<>(keys.keySet());
  }

  /** Matching series, sorted by their text so answers are stable. */
  List<Map.Entry<Integer, SeriesKey>> matching(SeriesQuery q) {
    boolean anyMeasurement = q.measurement() == null || q.measurement().isEmpty();
    return keys.entrySet().stream()
        .filter(e -> anyMeasurement || e.getValue().measurement().equals(q.measurement()))
        .filter(e -> q.field() == null || e.getValue().field().equals(q.field()))
        .filter(e -> e.getValue().matches(q.tags()))
        .sorted(Comparator.comparing(e -> e.getValue().toString()))
        .map(e -> Map.entry(e.getKey(), e.getValue()))
        .toList();
  }
}
