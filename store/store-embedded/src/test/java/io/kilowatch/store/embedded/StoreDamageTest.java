package io.kilowatch.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kilowatch.store.Sample;
import io.kilowatch.store.SeriesPoints;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.StoreDamagedException;
import io.kilowatch.store.StoreHealth;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real DuckDB file damaged on disk the way a bad sector or a torn copy damages it. */
class StoreDamageTest {
  static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");
  static final int SERIES = 50;
  static final int TIMES = 4000;

  @TempDir Path dir;

  private EmbeddedStore open() {
    return EmbeddedStore.open(
        dir, Duration.ofDays(7), Duration.ofDays(90), Duration.ofDays(1830), false);
  }

  private Path file() {
    return dir.resolve(EmbeddedStore.FILE_NAME).toAbsolutePath();
  }

  /** 200,000 readings: a file of many 256 KiB blocks, nearly all of them points. */
  private void writeAndClose() {
    try (var store = open()) {
      var rnd = new Random(7);
      for (int t = 0; t < TIMES; t += 500) {
        var batch = new ArrayList<Sample>();
        for (int i = t; i < t + 500; i++) {
          for (int s = 0; s < SERIES; s++) {
            batch.add(
                Sample.of(
                    T0.plusSeconds(10L * i),
                    "power",
                    Map.of("device", "pdu-" + s),
                    Map.of("power_w", 1000 + rnd.nextDouble())));
          }
        }
        store.write(batch);
      }
    }
  }

  private void overwrite4k(long offset) throws Exception {
    var garbage = new byte[4096];
    new Random(1).nextBytes(garbage);
    try (var raf = new RandomAccessFile(file().toFile(), "rw")) {
      raf.seek(offset);
      raf.write(garbage);
    }
  }

  /**
   * The offset of 4 KiB inside a block of raw points, of those the one nearest the middle of the
   * file: garbage in a free block (DuckDB reuses freed blocks without zeroing them) damages
   * nothing. Blocks are 256 KiB after a 12 KiB header (three 4 KiB header blocks).
   */
  private long middleOfPoints() throws Exception {
    var blocks = new ArrayList<Long>();
    try (var c = StoreCheck.openReadOnly(file());
        var st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT DISTINCT block_id FROM pragma_storage_info('points') WHERE block_id >= 0"
                    + " ORDER BY block_id")) {
      while (rs.next()) {
        blocks.add(rs.getLong(1));
      }
    }
    long middle = Files.size(file()) / 2;
    long best = -1;
    for (long b : blocks) {
      long at = 3 * 4096 + b * 256 * 1024 + 64 * 1024;
      if (best < 0 || Math.abs(at - middle) < Math.abs(best - middle)) {
        best = at;
      }
    }
    return best;
  }

  private static List<SeriesPoints> readAll(EmbeddedStore store) {
    return store.read(SeriesQuery.of("power", null), T0, T0.plus(Duration.ofDays(1)));
  }

  // The case: a bad block among the data. DuckDB opens the file (the catalog and the
  // series table are intact) and fails the first read that touches the block, so the server would
  // answer 500s: health must say so, and `store check` must find it without a server.
  @Test
  void aBlockDamagedInTheMiddleFailsReadsTurnsHealthFailingAndFailsTheCheck() throws Exception {
    writeAndClose();
    assertThat(StoreCheck.check(file()).healthy()).isTrue();
    overwrite4k(middleOfPoints());

    var report = StoreCheck.check(file());
    assertThat(report.healthy()).isFalse();
    assertThat(report.openError()).isNull();
    assertThat(report.tables())
        .filteredOn(t -> t.table().equals("points"))
        .singleElement()
        .satisfies(t -> assertThat(t.error()).contains("Corrupt database file"));
    assertThat(report.tables())
        .filteredOn(t -> t.table().equals("series"))
        .singleElement()
        .satisfies(t -> assertThat(t.rows()).isEqualTo(SERIES));

    try (var store = open()) {
      assertThat(store.health().state()).isEqualTo(StoreHealth.State.OK);
      assertThatThrownBy(() -> readAll(store))
          .isInstanceOf(StoreDamagedException.class)
          .hasMessageContaining(file().toString());
      assertThat(store.health().state()).isEqualTo(StoreHealth.State.FAILING);
      assertThat(store.health().cause()).contains("read failed", "Corrupt database file");
      assertThat(store.health().since()).isNotNull();
    }
  }

  // A damaged block the open itself reads (here the second header block) stops the open: the
  // error must name the file and say what to do, and be a type the CLI can tell apart.
  @Test
  void aDamagedHeaderStopsTheOpenWithAMessageNamingTheFileAndWhatToDo() throws Exception {
    writeAndClose();
    overwrite4k(4096);

    assertThatThrownBy(this::open)
        .isInstanceOfSatisfying(
            StoreDamagedException.class, e -> assertThat(e.file()).isEqualTo(file()))
        .hasMessageContaining("the store file " + file() + " is damaged")
        .hasMessageContaining("kilowatch store check")
        .hasMessageContaining("kilowatch store quarantine")
        .hasMessageContaining("kilowatch import");
    assertThat(StoreCheck.check(file()).healthy()).isFalse();
    assertThat(StoreCheck.check(file()).openError()).contains("Corrupt database file");
  }

  // DuckDB replays a truncated WAL up to its last complete commit and drops the rest silently:
  // the open must not crash and must name the WAL it replayed.
  @Test
  void aTruncatedWalIsReplayedAsFarAsItGoesAndNamedInAWarning() throws Exception {
    writeAndClose();
    long before;
    try (var store = open()) {
      before = store.pointCount();
    }
    // An unclean stop: commits in the WAL, no checkpoint into the file.
    try (var c = DriverManager.getConnection("jdbc:duckdb:" + file());
        var st = c.createStatement()) {
      st.execute("SET checkpoint_threshold = '10GB'");
      st.execute("PRAGMA disable_checkpoint_on_shutdown");
      for (int i = 0; i < 20; i++) {
        st.execute(
            "INSERT INTO points SELECT 1, ts, 1.0, 0 FROM range("
                + (T0.toEpochMilli() + 100_000_000L + i * 1000L)
                + ", "
                + (T0.toEpochMilli() + 100_000_000L + (i + 1) * 1000L)
                + ") r(ts)");
      }
    }
    Path wal = StoreCheck.walOf(file());
    assertThat(wal).exists();
    try (var ch = FileChannel.open(wal, StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() / 2);
    }

    try (var store = open()) {
      assertThat(store.walNote()).contains(wal.toString(), "not closed cleanly", "truncated");
      long after = store.pointCount();
      assertThat(after).isGreaterThan(before).isLessThan(before + 20_000);
      assertThat(store.health().state()).isEqualTo(StoreHealth.State.OK);
      assertThat(readAll(store)).hasSize(SERIES);
    }
    try (var store = open()) {
      assertThat(store.walNote()).as("a clean close leaves no WAL").isNull();
    }
  }

  @Test
  void quarantineMovesTheFileAndItsWalAsideSoANewStoreStarts() throws Exception {
    writeAndClose();
    overwrite4k(4096);
    Files.writeString(StoreCheck.walOf(file()), "torn");

    var moved = StoreCheck.quarantine(file(), Instant.parse("2026-12-06T04:05:06Z"));

    assertThat(moved)
        .containsExactly(
            dir.resolve("kilowatch.duckdb.damaged-20261206T040506Z").toAbsolutePath(),
            dir.resolve("kilowatch.duckdb.wal.damaged-20261206T040506Z").toAbsolutePath());
    assertThat(file()).doesNotExist();
    try (var store = open()) {
      assertThat(store.listSeries(SeriesQuery.of("", null))).isEmpty();
    }
  }

  // The way back from a damaged file starts with reading everything that reads; the damaged case
  // runs end to end in the CLI test (StoreCommandTest), since over this file's layout the
  // window-by-window retry took 15 minutes (see the README).
  @Test
  void exportHandsOnEveryRawReadingOnceOfAHealthyFile() throws Exception {
    writeAndClose();
    var all = new ArrayList<Sample>();
    var healthy = StoreCheck.export(file(), T0, T0.plus(Duration.ofDays(1)), all::addAll);
    assertThat(healthy.points()).isEqualTo((long) SERIES * TIMES);
    assertThat(healthy.lost()).isEmpty();
    assertThat(all).doesNotHaveDuplicates().hasSize(SERIES * TIMES);
  }
}
