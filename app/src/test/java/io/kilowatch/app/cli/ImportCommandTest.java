package io.kilowatch.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.StoreConfig;
import io.kilowatch.store.Point;
import io.kilowatch.store.SeriesPoints;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.embedded.EmbeddedStore;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kilowatch import} with real files in a temp dir into a real embedded store, read back
 * through the Store API.
 */
class ImportCommandTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream oldOut;
  private PrintStream oldErr;
  private Path config;

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
        clusters:
          - id: c1
            racks:
              - id: c1-r1
                devices:
                  - {id: n1, kind: gpu-node, source: {type: dcgm, url: "http://127.0.0.1:9/metrics"}}
        devices:
          - id: it_A
            kind: meter
            interval: 1m
            tags: {feed: a}
            source: {type: push, match: {meter: it_A}, counterWidth: {energy_kwh: 4294967.296}}
        """);
  }

  @AfterEach
  void restore() {
    System.setOut(oldOut);
    System.setErr(oldErr);
  }

  private int kilowatchImport(String... args) {
    var all = new java.util.ArrayList<>(List.of("import", "--config", config.toString()));
    all.addAll(List.of(args));
    return Main.execute(all.toArray(String[]::new));
  }

  private static void gzip(Path file, String text) throws Exception {
    try (var gz = new GZIPOutputStream(Files.newOutputStream(file))) {
      gz.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  private EmbeddedStore store() {
    return EmbeddedStore.open(StoreConfig.embedded(dir.resolve("data")));
  }

  /** Every series with its points: what a second import must leave exactly as it was. */
  private Map<String, List<Point>> everything() {
    try (var store = store()) {
      var all = new TreeMap<String, List<Point>>();
      for (SeriesPoints sp :
          store.read(
              SeriesQuery.of("", null), Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"))) {
        all.put(sp.key().toString(), sp.points());
      }
      return all;
    }
  }

  private SeriesPoints series(String measurement, String field, Map<String, String> tags) {
    try (var store = store()) {
      var query = SeriesQuery.of(measurement, field);
      for (var e : tags.entrySet()) {
        query = query.withTag(e.getKey(), e.getValue());
      }
      var found =
          store.read(query, Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z")).stream()
              .filter(sp -> sp.key().tags().equals(tags))
              .toList();
      assertThat(found).as("series %s %s %s", measurement, field, tags).hasSize(1);
      return found.getFirst();
    }
  }

  /**
   * Line protocol and gzipped CSV go through the ingest's mapping: a push device's lines become its
   * own series; importing the same files again leaves every point and value as it was.
   */
  @Test
  void importsLineProtocolAndGzippedCsvAsTheIngestWouldAndASecondImportChangesNothing()
      throws Exception {
    long s0 = T0.getEpochSecond();
    Path lp = dir.resolve("meters.lp");
    Files.writeString(
        lp,
        "# history of the IT feed\n"
            + "energy,meter=it_A energy_kwh=100 "
            + s0
            + "\n"
            + "energy,meter=it_A energy_kwh=101.5 "
            + (s0 + 60)
            + "\n"
            + "gpu,device=n1,gpu=0 power_w=300 "
            + s0
            + "\n"
            + "\n"
            + "energy,meter=it_Z energy_kwh=7 "
            + s0
            + "\n");
    Path csv = dir.resolve("phases.csv.gz");
    gzip(
        csv,
        """
        time,measurement,field,value,meter,phase
        2026-01-01T00:00:00Z,power,power_w,1200,it_A,L1
        2026-01-01T01:00:00+01:00,power,power_w,1300,it_A,L2
        %d,power,power_w,1250,it_A,L1
        """
            .formatted(T0.plusSeconds(60).toEpochMilli()));

    int code = kilowatchImport("--precision", "s", lp.toString(), csv.toString());

    assertThat(code).as(err.toString()).isEqualTo(Main.EXIT_OK);
    String e = err.toString();
    assertThat(e).contains("imported 7 lines from 2 file(s): 7 points written");
    assertThat(e).contains("100% ").contains("7 points written");
    assertThat(e)
        .contains("1 lines match no configured device")
        .contains(lp + ":6: energy {meter=it_Z}");
    var feed = Map.of("site", "hall", "device", "it_A", "feed", "a");
    assertThat(series("meter", "energy_kwh", feed).points())
        .extracting(Point::time, Point::value)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(T0, 100.0),
            org.assertj.core.groups.Tuple.tuple(T0.plusSeconds(60), 101.5));
    var l1 = new TreeMap<>(feed);
    l1.put("phase", "L1");
    assertThat(series("meter", "power_w", l1).points())
        .extracting(Point::value)
        .containsExactly(1200.0, 1250.0);
    var l2 = new TreeMap<>(feed);
    l2.put("phase", "L2");
    assertThat(series("meter", "power_w", l2).points())
        .singleElement()
        .satisfies(p -> assertThat(p.time()).isEqualTo(T0));
    // A polled device named by its tag is stored as it is; unmatched lines are stored too.
    series("gpu", "power_w", Map.of("site", "hall", "device", "n1", "gpu", "0"));
    series("energy", "energy_kwh", Map.of("site", "hall", "meter", "it_Z"));

    var first = everything();
    assertThat(first.values().stream().mapToInt(List::size).sum()).isEqualTo(7);
    err.reset();
    assertThat(kilowatchImport("--precision", "s", lp.toString(), csv.toString()))
        .as(err.toString())
        .isEqualTo(Main.EXIT_OK);
    assertThat(everything()).isEqualTo(first);
  }

  /** A name says nothing here: gzip is known by its magic bytes, CSV by its header. */
  @Test
  void gzipAndCsvAreRecognisedByContentWhateverTheFilesName() throws Exception {
    Path dump = dir.resolve("export.dat");
    gzip(dump, "measurement,time,value,field,meter\nenergy,1767225600000,5,energy_kwh,it_A\n");

    assertThat(kilowatchImport(dump.toString())).as(err.toString()).isEqualTo(Main.EXIT_OK);
    assertThat(
            series("meter", "energy_kwh", Map.of("site", "hall", "device", "it_A", "feed", "a"))
                .points())
        .singleElement()
        .satisfies(p -> assertThat(p.time()).isEqualTo(T0));
  }

  @Test
  void badLinesAreReportedWithFileAndLineTheRestIsImportedAndTheExitCodeSaysSo() throws Exception {
    Path lp = dir.resolve("mixed.txt");
    Files.writeString(
        lp,
        """
        energy,meter=it_A energy_kwh=1 1767225600000
        energy,meter=it_A energy_kwh=oops 1767225660000
        energy,meter=it_A energy_kwh=3
        energy,meter=it_A energy_kwh=4 1767225720000
        """);
    Path csv = dir.resolve("bad.csv");
    Files.writeString(
        csv,
        """
        time,measurement,field,value,meter
        2026-01-01T00:00:00,power,power_w,1,it_A
        2026-01-01T00:00:00Z,power,power_w,,it_A
        2026-01-01T00:00:00Z,power,power_w,5
        2026-01-01T00:01:00Z,power,power_w,6,it_A
        """);

    int code = kilowatchImport("--precision", "ms", lp.toString(), csv.toString());

    assertThat(code).isEqualTo(Main.EXIT_FAILURE);
    assertThat(err.toString())
        .contains(lp + ":2: invalid value for field 'energy_kwh': oops")
        .contains(lp + ":3: no timestamp: history needs the time of every line")
        .contains(csv + ":2: invalid time '2026-01-01T00:00:00'")
        .contains(csv + ":3: empty value for field 'power_w'")
        .contains(csv + ":4: expected 5 columns as in the header, got 4")
        .contains("5 bad lines not imported")
        .contains("imported 3 lines from 2 file(s): 3 points written");
    assertThat(
            series("meter", "energy_kwh", Map.of("site", "hall", "device", "it_A", "feed", "a"))
                .points())
        .extracting(Point::value)
        .containsExactly(1.0, 4.0);
  }

  @Test
  void aCsvWithoutItsRequiredColumnsIsOneProblemAtItsHeader() throws Exception {
    Path csv = dir.resolve("wrong.csv");
    Files.writeString(csv, "ts,measurement,value\n1,m,2\n");

    assertThat(kilowatchImport(csv.toString())).isEqualTo(Main.EXIT_FAILURE);
    assertThat(err.toString())
        .contains(csv + ":1: header must have the columns time,measurement,field,value")
        .contains("missing: time, field");
  }

  @Test
  void usageMistakesAreUsageErrors() {
    assertThat(kilowatchImport("--precision", "h", config.toString())).isEqualTo(Main.EXIT_USAGE);
    assertThat(kilowatchImport(dir.resolve("nowhere.lp").toString())).isEqualTo(Main.EXIT_USAGE);
    assertThat(err.toString())
        .contains("precision must be ns, us, ms or s")
        .contains("no such file");
    assertThat(kilowatchImport()).isEqualTo(Main.EXIT_USAGE);
  }

  /** The DuckDB file admits one process: a running kilowatch holds it. */
  @Test
  void aStoreHeldByAnotherProcessSaysToStopKilowatchFirst() throws Exception {
    Path lp = dir.resolve("one.lp");
    Files.writeString(lp, "energy,meter=it_A energy_kwh=1 1767225600000000000\n");
    String java = ProcessHandle.current().info().command().orElse("java");
    Process holder =
        new ProcessBuilder(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                StoreHolder.class.getName(),
                dir.resolve("data").toString())
            .redirectErrorStream(true)
            .start();
    try {
      var reader =
          new BufferedReader(
              new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = reader.readLine()) != null && !line.equals(StoreHolder.READY)) {
        // the holder's log lines
      }
      assertThat(line).as("the holder opened the store").isEqualTo(StoreHolder.READY);

      int code = kilowatchImport(lp.toString());

      assertThat(code).isEqualTo(Main.EXIT_FAILURE);
      assertThat(err.toString())
          .contains("stop kilowatch first: " + dir.resolve("data").toAbsolutePath() + " is in use");
    } finally {
      holder.getOutputStream().close();
      if (!holder.waitFor(20, TimeUnit.SECONDS)) {
        holder.destroyForcibly();
      }
    }
  }
}
