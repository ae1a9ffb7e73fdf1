package io.kilowatch.store.embedded;

import io.kilowatch.store.SeriesKey;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.TagSet;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    /**
     * Earliest good reading, raw or in a rollup (or earlier: retention does not raise it), so
     * queries know when no earlier reading can exist.
     */
    volatile long minGoodTs = Long.MAX_VALUE;
  }

  private final Map<SeriesKey, Integer> ids = new ConcurrentHashMap<>();
  private final Map<Integer, SeriesKey> keys = new ConcurrentHashMap<>();

  // By id (ids are dense, from 0): the write path looks up two per row, and a boxed hash lookup
  // each was an eighth of the store writer's CPU at 25,000 GPUs. Grown and filled under the
  // store's write lock; an id is published (in the maps below) only after its bounds are set.
  private volatile Bounds[] bounds = new Bounds[1024];
  private final Map<Integer, String> sortText = new ConcurrentHashMap<>();

  // Inverted indexes so a query touches only the series it can match: a 25,000-GPU site has
  // hundreds of thousands of series, and scanning them all for every dashboard read took about
  // half of the process's CPU in the soak's profile.
  private final Map<String, Set<Integer>> byMeasurementField = new ConcurrentHashMap<>();
  private final Map<String, Set<Integer>> byMeasurement = new ConcurrentHashMap<>();
  private final Map<String, Set<Integer>> byTag = new ConcurrentHashMap<>();
  private int nextId;

  // Field ids by (measurement, tags): the write path resolves a sample's fields with one hash of
  // its tags instead of one key per field.
  private static final class Group {
    private final String measurement;
    private final TagSet tags;
    // The tag set's ordered hash, cached in it: Map's own hash collides for most GPUs of a site
    // whose names differ only in their numbers, and each collision walked both tag maps.
    private final int hash;

    Group(String measurement, TagSet tags) {
      this.measurement = measurement;
      this.tags = tags;
      this.hash = 31 * measurement.hashCode() + tags.orderedHash();
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Group g
          && g.hash == hash
          && g.measurement.equals(measurement)
          && g.tags.equals(tags);
    }
  }

  private final Map<Group, Map<String, Integer>> byGroup = new ConcurrentHashMap<>();

  /** The ids of the known fields of one measurement and tag set, or null when none is known. */
  Map<String, Integer> fieldsOf(String measurement, Map<String, String> tags) {
    return byGroup.get(new Group(measurement, TagSet.of(tags)));
  }

  void load(Connection c) throws SQLException {
    try (var st = c.createStatement();
        var rs = st.executeQuery("SELECT id, measurement, tags, field FROM series")) {
      while (rs.next()) {
        int id = rs.getInt(1);
        var key = new SeriesKey(rs.getString(2), TagCodec.decode(rs.getString(3)), rs.getString(4));
        fresh(id);
        publish(id, key);
        nextId = Math.max(nextId, id + 1);
      }
    }
    try (var st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT series_id, max(ts), min(ts) FILTER (WHERE quality <= 1)"
                    + " FROM points GROUP BY series_id")) {
      while (rs.next()) {
        Bounds b = existing(rs.getInt(1));
        b.maxTs = rs.getLong(2);
        long minGood = rs.getLong(3);
        b.minGoodTs = rs.wasNull() ? Long.MAX_VALUE : minGood;
      }
    }
    // Older good readings may be kept only in rollups.
    for (String table : List.of("rollup_1m", "rollup_1h")) {
      try (var st = c.createStatement();
          var rs =
              st.executeQuery(
                  "SELECT series_id, min(first_ts) FROM " + table + " GROUP BY series_id")) {
        while (rs.next()) {
          Bounds b = existing(rs.getInt(1));
          b.minGoodTs = Math.min(b.minGoodTs, rs.getLong(2));
        }
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
      fresh(id);
      publish(id, k);
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
    fresh(newId);
    publish(newId, key);
    return newId;
  }

  /**
   * Makes a registered series visible: indexes first, then the key maps, so a reader that finds an
   * id in an index always finds its key (it re-checks the full query against the key anyway).
   */
  private void publish(int id, SeriesKey key) {
    sortText.put(id, key.toString());
    keys.put(id, key);
    byMeasurement.computeIfAbsent(key.measurement(), m -> ConcurrentHashMap.newKeySet()).add(id);
    byMeasurementField
        .computeIfAbsent(
            key.measurement() + '\u0000' + key.field(), m -> ConcurrentHashMap.newKeySet())
        .add(id);
    for (var tag : key.tags().entrySet()) {
      byTag
          .computeIfAbsent(tagKey(tag.getKey(), tag.getValue()), t -> ConcurrentHashMap.newKeySet())
          .add(id);
    }
    byGroup
        .computeIfAbsent(
            new Group(key.measurement(), TagSet.of(key.tags())), g -> new ConcurrentHashMap<>())
        .put(key.field(), id);
    ids.put(key, id);
  }

  private static String tagKey(String key, String value) {
    return key + '\u0000' + value;
  }

  Bounds bounds(int id) {
    Bounds[] a = bounds;
    return id >= 0 && id < a.length ? a[id] : null;
  }

  /** New bounds for {@code id}; caller holds the write lock. */
  private void fresh(int id) {
    slots(id)[id] = new Bounds();
  }

  /** The bounds of {@code id}, made if it has none; caller holds the write lock. */
  private Bounds existing(int id) {
    Bounds[] a = slots(id);
    if (a[id] == null) {
      a[id] = new Bounds();
    }
    return a[id];
  }

  private Bounds[] slots(int id) {
    Bounds[] a = bounds;
    if (id >= a.length) {
      a = java.util.Arrays.copyOf(a, Math.max(id + 1, 2 * a.length));
      bounds = a;
    }
    return a;
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
    // The smallest index set that every match must be in; the full query is checked on each.
    Collection<Integer> candidates;
    if (anyMeasurement) {
      candidates = keys.keySet();
    } else if (q.field() != null) {
      candidates =
          byMeasurementField.getOrDefault(q.measurement() + '\u0000' + q.field(), Set.of());
    } else {
      candidates = byMeasurement.getOrDefault(q.measurement(), Set.of());
    }
    for (var tag : q.tags().entrySet()) {
      Set<Integer> withTag = byTag.getOrDefault(tagKey(tag.getKey(), tag.getValue()), Set.of());
      if (withTag.size() < candidates.size()) {
        candidates = withTag;
      }
    }
    List<Map.Entry<Integer, SeriesKey>> out = new ArrayList<>();
    for (Integer id : candidates) {
      SeriesKey k = keys.get(id);
      if (k != null
          && (anyMeasurement || k.measurement().equals(q.measurement()))
          && (q.field() == null || k.field().equals(q.field()))
          && k.matches(q.tags())) {
        out.add(Map.entry(id, k));
      }
    }
    out.sort(Comparator.comparing(e -> sortText.get(e.getKey())));
    return out;
  }
}
