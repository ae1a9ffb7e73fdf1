package io.kilowatch.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.StoreConfig;
import io.kilowatch.store.Sample;
import io.kilowatch.store.embedded.EmbeddedStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kilowatch report} against a stopped instance's data directory, then {@code --verify}. */
class ReportCommandTest {
  static final Instant T0 = Instant.parse("2026-07-01T00:00:00Z");

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
        site: {name: hall, timezone: UTC}
        store: {kind: embedded, dataDir: ./data}
        profiles:
          - id: m
            source: modbus
            addressBase: zero
            points:
              - {name: e, registerType: holding, address: 0, dataType: uint64, wordOrder: abcd, unit: kWh, kind: counter, field: energy_kwh}
        devices:
          - {id: main, kind: meter, profile: m, source: {type: modbus, host: 127.0.0.1, port: 5021, unitId: 1}, interval: 60s}
          - {id: pdu, kind: pdu, profile: m, source: {type: modbus, host: 127.0.0.1, port: 5022, unitId: 1}, interval: 60s}
        energy:
          itLevel: pdu-output
          facility: [{device: main}]
          it: [{device: pdu}]
        """);
    write(0);
  }

  /** One day at 150 / 100 kWh per hour; {@code bump} kWh added to one PDU reading at 12:00. */
  private void write(double bump) {
    try (var store = EmbeddedStore.open(StoreConfig.embedded(dir.resolve("data")))) {
      var batch = new ArrayList<Sample>();
      for (int t = 0; t <= 86_400; t += 60) {
        Instant at = T0.plusSeconds(t);
        double h = t / 3600.0;
        batch.add(Sample.of(at, "meter", Map.of("device", "main"), Map.of("energy_kwh", 150 * h)));
        if (bump == 0 || t == 43_200) {
          double b = t == 43_200 ? bump : 0;
          batch.add(
              Sample.of(at, "pdu", Map.of("device", "pdu"), Map.of("energy_kwh", 100 * h + b)));
        }
      }
      store.write(batch);
    }
  }

  @AfterEach
  void restore() {
    System.setOut(oldOut);
    System.setErr(oldErr);
  }

  @Test
  void writesACsvReportWithAProgressBarAndVerifiesIt() throws Exception {
    Path csv = dir.resolve("july.csv");
    int code =
        Main.execute(
            "report",
            "--config",
            config.toString(),
            "--from",
            "2026-07-01",
            "--to",
            "2026-07-02",
            "--out",
            csv.toString());
    assertThat(code).as(err.toString()).isEqualTo(Main.EXIT_OK);
    assertThat(err.toString()).contains("[##############################] 3/3");
    String text = Files.readString(csv);
    // 24 h × 150 = 3,600 kWh; IT 2,400 kWh; PUE 1.5
    assertThat(text)
        .contains("headline,site,e_dc,3600.000000000,kWh,measured,")
        .contains("headline,site,pue,1.500000000000,,computed,");

    assertThat(Main.execute("report", "--config", config.toString(), "--verify", csv.toString()))
        .as(out.toString())
        .isEqualTo(Main.EXIT_OK);
    assertThat(out.toString()).contains("figures match, input data unchanged");

    // A PDU reading changed by 5 kWh: the pair before it gains 5 kWh and the one after loses 5,
    // so E_IT is the same but the data is not: the input hash says so.
    write(5);
    out.reset();
    assertThat(Main.execute("report", "--config", config.toString(), "--verify", csv.toString()))
        .isEqualTo(Main.EXIT_FAILURE);
    assertThat(out.toString()).contains("input data CHANGED");
  }

  @Test
  void missingRangeIsAUsageError() {
    assertThat(Main.execute("report", "--config", config.toString(), "--out", "x.csv"))
        .isEqualTo(Main.EXIT_USAGE);
  }
}
