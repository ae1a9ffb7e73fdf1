package io.kilowatch.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.ConfigLoader;
import io.kilowatch.store.Sample;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.embedded.EmbeddedStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kilowatch run} on a damaged file and {@code kilowatch store check | quarantine | export},
 * on real DuckDB files damaged on disk.
 */
class StoreCommandTest {
  static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");
  static final int SERIES = 50;
  static final int TIMES = 3000;

  @TempDir Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream oldOut;
  private PrintStream oldErr;
  private Path config;
  private Path file;

  @BeforeEach
  void setUp() throws Exception {
    oldOut = System.out;
    oldErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    config = dir.resolve("site.yaml");
    Files.writeString(
        config,
        """
        site: {name: hall}
        store: {kind: embedded, dataDir: ./data}
        web: {port: 0}
        devices:
          - {id: m0, kind: meter, interval: 1m, source: {type: push, match: {meter: m0}}}
        """);
    var store = ConfigLoader.load(config).store();
    file = store.dataDir().resolve(EmbeddedStore.FILE_NAME).toAbsolutePath();
    try (var s = EmbeddedStore.open(store)) {
      var rnd = new Random(5);
      var batch = new ArrayList<Sample>();
      for (int i = 0; i < TIMES; i++) {
        for (int d = 0; d < SERIES; d++) {
          batch.add(
              Sample.of(
                  T0.plusSeconds(10L * i),
                  "pdu",
                  Map.of("device", "pdu " + d, "row", "a,1"),
                  Map.of("power_w", 100 + rnd.nextDouble())));
        }
      }
      s.write(batch);
    }
  }

  @AfterEach
  void restore() {
    System.setOut(oldOut);
    System.setErr(oldErr);
  }

  private int kilowatch(String... args) {
    out.reset();
    err.reset();
    return Main.execute(args);
  }

  private String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private void overwrite4k(long offset) throws Exception {
    var garbage = new byte[4096];
    new Random(1).nextBytes(garbage);
    try (var raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(offset);
      raf.write(garbage);
    }
  }

  /** Inside the block of points nearest the middle of the file (256 KiB blocks, 12 KiB header). */
  private long middleOfPoints() throws Exception {
    var ro = new Properties();
    ro.setProperty("duckdb.read_only", "true");
    long middle = Files.size(file) / 2;
    long best = -1;
    try (var c = DriverManager.getConnection("jdbc:duckdb:" + file, ro);
        var st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT DISTINCT block_id FROM pragma_storage_info('points') WHERE block_id >= 0")) {
      while (rs.next()) {
        long at = 3 * 4096 + rs.getLong(1) * 256 * 1024 + 64 * 1024;
        if (best < 0 || Math.abs(at - middle) < Math.abs(best - middle)) {
          best = at;
        }
      }
    }
    return best;
  }

  // The issue: start-up on a damaged file died with a raw stack trace. Now one line names the
  // file and what to do, with its own exit code.
  @Test
  void runOnADamagedFileSaysWhichFileAndWhatToDoWithoutAStackTrace() throws Exception {
    overwrite4k(4096);

    assertThat(kilowatch("run", "--config", config.toString())).isEqualTo(Main.EXIT_STORE_DAMAGED);
    assertThat(stderr())
        .contains("kilowatch cannot start: the store file " + file + " is damaged")
        .contains("Corrupt database file")
        .contains("kilowatch store check", "kilowatch store quarantine", "kilowatch import")
        .doesNotContain("\tat ", "Exception");
  }

  @Test
  void checkReadsEveryTableAndExitsZeroOnAHealthyFile() {
    assertThat(kilowatch("store", "check", "--config", config.toString())).isZero();
    assertThat(stdout())
        .contains("store file " + file)
        .containsPattern("points +150,000 rows")
        .containsPattern("series +50 rows")
        .contains("healthy");
  }

  @Test
  void checkFindsABlockDamagedInTheMiddleAndExitsFour() throws Exception {
    overwrite4k(middleOfPoints());

    assertThat(kilowatch("store", "check", "--config", config.toString()))
        .isEqualTo(Main.EXIT_STORE_DAMAGED);
    assertThat(stdout())
        .containsPattern("points +DAMAGED: .*Corrupt database file")
        .containsPattern("series +50 rows")
        .contains("kilowatch store export", "kilowatch store quarantine");
  }

  @Test
  void checkHelpSaysWhatItDoesAndItsExitCodes() {
    assertThat(kilowatch("store", "check", "--help")).isZero();
    assertThat(stdout()).contains("read-only", "Exit 0", "4 when the file is damaged");
  }

  // The documented way back: export what reads, move the file aside, start afresh, import.
  @Test
  void exportQuarantineAndImportBringBackEveryReadableSeries() throws Exception {
    overwrite4k(middleOfPoints());
    Path saved = dir.resolve("saved.lp");

    assertThat(kilowatch("store", "export", "--config", config.toString(), "-o", saved.toString()))
        .isEqualTo(Main.EXIT_STORE_DAMAGED);
    assertThat(stderr()).contains("not readable: ", "Corrupt database file", "could not be read");
    long lines;
    try (Stream<String> s = Files.lines(saved)) {
      lines = s.count();
    }
    assertThat(lines).isPositive().isLessThan((long) SERIES * TIMES);

    assertThat(kilowatch("store", "quarantine", "--config", config.toString())).isZero();
    assertThat(stdout()).contains("moved aside: " + file + ".damaged-");
    assertThat(file).doesNotExist();

    assertThat(kilowatch("import", "--config", config.toString(), saved.toString())).isZero();
    try (var s = EmbeddedStore.open(ConfigLoader.load(config).store())) {
      var series = s.read(SeriesQuery.of("pdu", null), T0, T0.plusSeconds(10L * TIMES));
      assertThat(series.stream().mapToLong(sp -> sp.points().size()).sum()).isEqualTo(lines);
      assertThat(series.getFirst().key().tags()).containsEntry("row", "a,1");
    }
    assertThat(kilowatch("store", "check", "--config", config.toString())).isZero();
  }
}
