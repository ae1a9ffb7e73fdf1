package io.kilowatch.store.embedded;

import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
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
import java.util.List;
import java.util.Properties;
import java.util.SortedMap;
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

  /** Reads every row of every table; never writes (DuckDB replays a WAL in memory read-only). */
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

  /** What an export handed on and what it could not read. */
  public record ExportSummary(long series, long points, long skippedNotGood, List<String> failed) {}

  /**
   * Hands on the good raw readings in {@code [from, to)}, one call of {@code sink} per series with
   * all of them, so a damaged block costs the series in it and not the rest, and a failure leaves
   * no half series. Rolled-up history whose raw readings retention already deleted is not exported:
   * a bin is not a reading.
   */
  public static ExportSummary export(
      Path file, Instant from, Instant to, Consumer<List<Sample>> sink) throws SQLException {
    var failed = new ArrayList<String>();
    long series = 0;
    long points = 0;
    long skipped = 0;
    try (Connection c = openReadOnly(file)) {
      record Key(int id, String measurement, String tags, String field) {}
      var keys = new ArrayList<Key>();
      try (var st = c.createStatement();
          var rs = st.executeQuery("SELECT id, measurement, tags, field FROM series ORDER BY id")) {
        while (rs.next()) {
          keys.add(new Key(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4)));
        }
      }
      for (Key k : keys) {
        SortedMap<String, String> tags = TagCodec.decode(k.tags());
        var samples = new ArrayList<Sample>();
        long bad = 0;
        // A statement per series: DuckDB closes a prepared statement whose query failed.
        try (var ps = c.prepareStatement(SERIES_POINTS)) {
          ps.setInt(1, k.id());
          ps.setLong(2, from.toEpochMilli());
          ps.setLong(3, to.toEpochMilli());
          var rs = ps.executeQuery();
          while (rs.next()) {
            double v = rs.getDouble(2);
            if (rs.wasNull() || !Double.isFinite(v) || rs.getInt(3) > GOOD_OR_UNCERTAIN) {
              bad++;
              continue;
            }
            var fields = new TreeMap<String, Double>();
            fields.put(k.field(), v);
            samples.add(
                new Sample(
                    Instant.ofEpochMilli(rs.getLong(1)),
                    k.measurement(),
                    tags,
                    fields,
                    Quality.GOOD));
          }
        } catch (SQLException e) {
          failed.add(
              k.measurement() + " " + k.tags() + " " + k.field() + ": " + StoreDamage.cause(e));
          continue;
        }
        if (!samples.isEmpty()) {
          sink.accept(samples);
          series++;
        }
        points += samples.size();
        skipped += bad;
      }
    }
    return new ExportSummary(series, points, skipped, failed);
  }

  private static final String SERIES_POINTS =
      "SELECT ts, value, quality FROM points WHERE series_id = ? AND ts >= ? AND ts < ? ORDER BY ts";

  /** Quality codes up to this one are readings aggregates use (GOOD 0, UNCERTAIN 1). */
  private static final int GOOD_OR_UNCERTAIN = 1;
}
