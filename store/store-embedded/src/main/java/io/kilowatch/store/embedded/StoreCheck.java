package io.kilowatch.store.embedded;

import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.store.SeriesKey;
import io.kilowatch.store.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Looks at an embedded store's file without changing it: opened read-only, every row of every table
 * read. DuckDB verifies a checksum on each block it reads and has no check that reads all blocks
 * for you, so reading every column of every row is what finds a damaged block. Also moves a damaged
 * file aside and exports the raw readings it can still read as line protocol.
 */
public final class StoreCheck {
  private StoreCheck() {}

  /** One table's rows read, or why they could not be. */
  public record TableCheck(String table, long rows, String error) {
    public boolean healthy() {
      return error == null;
    }
  }

  /**
   * What a check found.
   *
   * @param file the database file
   * @param openError why it could not be opened at all; null when it opened
   * @param walNote the write-ahead log found next to it, or null
   * @param tables every table, in name order
   */
  public record Report(Path file, String openError, String walNote, List<TableCheck> tables) {
    public boolean healthy() {
      return openError == null && tables.stream().allMatch(TableCheck::healthy);
    }
  }

  /** The embedded store's file in {@code dataDir}. */
  public static Path fileIn(Path dataDir) {
    return dataDir.resolve(EmbeddedStore.FILE_NAME).toAbsolutePath();
  }

  public static Path walOf(Path file) {
    return file.resolveSibling(file.getFileName() + ".wal");
  }

  /**
   * Reads every row of every table; never writes (DuckDB replays a WAL in memory read-only).
   *
   * @throws StoreException when the file cannot be opened for a reason other than damage, such as
   *     the lock of a running kilowatch
   */
  public static Report check(Path file) {
    if (!Files.isRegularFile(file)) {
      return new Report(file, "no such file", null, List.of());
    }
    String walNote =
        Files.exists(walOf(file))
            ? "write-ahead log " + walOf(file) + " present: the last run did not close the store"
            : null;
    var tables = new ArrayList<TableCheck>();
    try (Connection c = openReadOnly(file)) {
      var names = new ArrayList<String>();
      try (var st = c.createStatement();
          var rs =
              st.executeQuery(
                  "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
                      + " ORDER BY table_name")) {
        while (rs.next()) {
          names.add(rs.getString(1));
        }
      }
      for (String t : names) {
        tables.add(checkTable(c, t));
      }
    } catch (SQLException e) {
      if (!StoreDamage.isDamage(e)) {
        // Held by a running kilowatch, or not ours to read: nothing learnt about the file.
        throw new StoreException("cannot open " + file + ": " + StoreDamage.cause(e), e);
      }
      return new Report(file, StoreDamage.cause(e), walNote, tables);
    }
    return new Report(file, null, walNote, tables);
  }

  private static TableCheck checkTable(Connection c, String table) {
    String q = '"' + table.replace("\"", "\"\"") + '"';
    // Hashing the whole row makes DuckDB read (and checksum) every block of the table; a bare
    // count(*) is answered from row-group metadata.
    try (var st = c.createStatement();
        var rs = st.executeQuery("SELECT count(*), bit_xor(hash(t)) FROM " + q + " t")) {
      rs.next();
      return new TableCheck(table, rs.getLong(1), null);
    } catch (SQLException e) {
      return new TableCheck(table, -1, StoreDamage.cause(e));
    }
  }

  static Connection openReadOnly(Path file) throws SQLException {
    var p = new Properties();
    p.setProperty("duckdb.read_only", "true");
    return DriverManager.getConnection("jdbc:duckdb:" + file, p);
  }

  /**
   * Moves the file and its WAL aside as {@code kilowatch.duckdb.damaged-<UTC time>} (and {@code
   * .wal.damaged-<UTC time>}), so the next start creates a new store. Refuses while another process
   * holds the file: a moved file would go on being written by it.
   *
   * @return the paths moved to
   */
  public static List<Path> quarantine(Path file, Instant now) throws IOException {
    if (!Files.exists(file)) {
      throw new IOException(file + ": no such file");
    }
    try (Connection c = openReadOnly(file)) {
      // Opened: nobody holds the lock.
    } catch (SQLException e) {
      if (!StoreDamage.isDamage(e)) {
        throw new IOException(
            "cannot move " + file + " aside: " + StoreDamage.cause(e) + " (stop kilowatch first)",
            e);
      }
    }
    String stamp =
        DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(now);
    var moved = new ArrayList<Path>();
    for (Path p : List.of(file, walOf(file))) {
      if (Files.exists(p)) {
        Path to = p.resolveSibling(p.getFileName() + ".damaged-" + stamp);
        if (Files.exists(to)) {
          throw new IOException(to + " exists already");
        }
        moved.add(Files.move(p, to, StandardCopyOption.ATOMIC_MOVE));
      }
    }
    return moved;
  }

  /**
   * What an export handed on and what it could not read.
   *
   * @param points readings handed on
   * @param skippedNotGood bad, stale or missing readings left out
   * @param lost time windows that could not be read, each with DuckDB's reason
   */
  public record ExportSummary(long points, long skippedNotGood, List<String> lost) {}

  /**
   * Windows read at once, then smaller ones where a window fails; a failed 10 minutes are lost.
   * Each failed query costs DuckDB about as much as a good one, so going down to single minutes
   * made a day's export over one bad segment take minutes (measured: 15 min on the 2-core build
   * machine under load).
   */
  private static final long[] WINDOWS = {3_600_000L, 600_000L};

  /** Samples per call of the sink. */
  private static final int CHUNK = 10_000;

  /**
   * Hands on the good raw readings in {@code [from, to)}, time window by time window. Raw points
   * are appended about in time order, so DuckDB's per-segment min/max of {@code ts} lets a window
   * skip every block outside it: a damaged block costs only the windows over its segment. A window
   * that fails is read again in smaller windows, down to 10 minutes; one is handed on only once
   * read whole, so nothing is handed on twice. Rolled-up history whose raw readings retention
   * already deleted is not exported: a bin is not a reading.
   */
  public static ExportSummary export(
      Path file, Instant from, Instant to, Consumer<List<Sample>> sink) throws SQLException {
    try (Connection c = openReadOnly(file)) {
      var keys = new HashMap<Integer, SeriesKey>();
      try (var st = c.createStatement();
          var rs = st.executeQuery("SELECT id, measurement, tags, field FROM series")) {
        while (rs.next()) {
          keys.put(
              rs.getInt(1),
              new SeriesKey(rs.getString(2), TagCodec.decode(rs.getString(3)), rs.getString(4)));
        }
      }
      long lo = Math.max(from.toEpochMilli(), 0);
      long hi = to.toEpochMilli();
      try (var st = c.createStatement();
          var rs =
              st.executeQuery(
                  "SELECT min(ts), max(ts) FROM points WHERE ts >= " + lo + " AND ts < " + hi)) {
        rs.next();
        if (rs.getObject(1) == null) {
          return new ExportSummary(0, 0, List.of());
        }
        lo = Math.max(lo, rs.getLong(1));
        hi = Math.min(hi, rs.getLong(2) + 1);
      } catch (SQLException e) {
        // The ts column itself is damaged somewhere: walk the window the caller gave, within the
        // raw retention any sane configuration keeps.
        long now = System.currentTimeMillis();
        lo = Math.max(lo, now - 400 * 86_400_000L);
        hi = Math.min(hi, now + 86_400_000L);
      }
      var e = new Exporter(c, keys, sink);
      for (long w = Math.floorDiv(lo, WINDOWS[0]) * WINDOWS[0]; w < hi; w += WINDOWS[0]) {
        e.window(Math.max(w, lo), Math.min(w + WINDOWS[0], hi), 0);
      }
      return new ExportSummary(e.points, e.skipped, e.lost);
    }
  }

  private static final class Exporter {
    final Connection c;
    final Map<Integer, SeriesKey> keys;
    final Consumer<List<Sample>> sink;
    final List<String> lost = new ArrayList<>();
    long points;
    long skipped;

    Exporter(Connection c, Map<Integer, SeriesKey> keys, Consumer<List<Sample>> sink) {
      this.c = c;
      this.keys = keys;
      this.sink = sink;
    }

    void window(long lo, long hi, int level) {
      var ids = new ArrayList<Integer>();
      var ts = new ArrayList<Long>();
      var values = new ArrayList<Double>();
      long bad = 0;
      // A statement per window: DuckDB closes a statement whose query failed.
      try (var ps =
          c.prepareStatement(
              "SELECT series_id, ts, value, quality FROM points WHERE ts >= ? AND ts < ?"
                  + " ORDER BY ts, series_id")) {
        ps.setLong(1, lo);
        ps.setLong(2, hi);
        try (var rs = ps.executeQuery()) {
          while (rs.next()) {
            double v = rs.getDouble(3);
            if (rs.wasNull() || !Double.isFinite(v) || rs.getInt(4) > GOOD_OR_UNCERTAIN) {
              bad++;
              continue;
            }
            ids.add(rs.getInt(1));
            ts.add(rs.getLong(2));
            values.add(v);
          }
        }
      } catch (SQLException e) {
        if (level + 1 < WINDOWS.length) {
          long step = WINDOWS[level + 1];
          for (long w = lo; w < hi; w += step) {
            window(w, Math.min(w + step, hi), level + 1);
          }
        } else {
          lost.add(
              Instant.ofEpochMilli(lo)
                  + " .. "
                  + Instant.ofEpochMilli(hi)
                  + ": "
                  + StoreDamage.cause(e));
        }
        return;
      }
      skipped += bad;
      var chunk = new ArrayList<Sample>(Math.min(CHUNK, ids.size()));
      for (int i = 0; i < ids.size(); i++) {
        var k = keys.get(ids.get(i));
        if (k == null) {
          continue;
        }
        var fields = new TreeMap<String, Double>();
        fields.put(k.field(), values.get(i));
        chunk.add(
            new Sample(
                Instant.ofEpochMilli(ts.get(i)), k.measurement(), k.tags(), fields, Quality.GOOD));
        if (chunk.size() == CHUNK) {
          sink.accept(chunk);
          points += chunk.size();
          chunk = new ArrayList<>(CHUNK);
        }
      }
      if (!chunk.isEmpty()) {
        sink.accept(chunk);
        points += chunk.size();
      }
    }
  }

  /** Quality codes up to this one are readings aggregates use (GOOD 0, UNCERTAIN 1). */
  private static final int GOOD_OR_UNCERTAIN = 1;
}
