package io.kilowatch.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.StoreConfig;
import io.kilowatch.jobs.FileJobLedger;
import io.kilowatch.jobs.GpuHold;
import io.kilowatch.jobs.JobOrigin;
import io.kilowatch.jobs.JobRecord;
import io.kilowatch.store.Sample;
import io.kilowatch.store.embedded.EmbeddedStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kilowatch report --chargeback} against a stopped instance's data directory and its job
 * ledger. Two hours: facility 150 kWh/h, the one cluster's PDU 100 kWh/h, so its PUE is 1.5 in both
 * hours (J3); n1 gpu 0 at 0.6 kW, gpu 1 at 0.3 kW. physics holds gpu 0 00:00–02:00: 1.2 kWh, 1.8
 * kWh facility. "chem, inc" holds gpu 1 00:30–01:30: 0.3 kWh, 0.45 kWh facility. Idle: gpu 1's
 * other hour, 0.3 kWh. No carbon source: the kgCO2e cells are empty, not 0.
 */
class ChargebackCommandTest {
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
        clusters:
          - id: c1
            racks:
              - id: c1-r1
                devices:
                  - {id: pdu, kind: pdu, profile: m, source: {type: modbus, host: 127.0.0.1, port: 5022, unitId: 1}, interval: 60s}
                  - {id: n1, kind: gpu-node, source: {type: dcgm, url: "http://127.0.0.1:9400/metrics"}, interval: 60s}
        devices:
          - {id: main, kind: meter, profile: m, source: {type: modbus, host: 127.0.0.1, port: 5021, unitId: 1}, interval: 60s}
        energy:
          itLevel: pdu-output
          facility: [{device: main}]
          it: [{device: pdu}]
        """);
    Path data = dir.resolve("data");
    try (var store = EmbeddedStore.open(StoreConfig.embedded(data))) {
      var batch = new ArrayList<Sample>();
      for (int t = 0; t <= 7200; t += 60) {
        Instant at = T0.plusSeconds(t);
        double h = t / 3600.0;
        batch.add(Sample.of(at, "meter", Map.of("device", "main"), Map.of("energy_kwh", 150 * h)));
        batch.add(Sample.of(at, "pdu", Map.of("device", "pdu"), Map.of("energy_kwh", 100 * h)));
        for (int g = 0; g < 2; g++) {
          // kW × h = kWh; 1 kWh = 3.6e9 mJ.
          batch.add(
              Sample.of(
                  at,
                  "gpu",
                  Map.of("device", "n1", "gpu", "" + g, "cluster", "c1"),
                  Map.of("energy_mj", (g == 0 ? 0.6 : 0.3) * h * 3.6e9)));
        }
      }
      store.write(batch);
    }
    // Where a running instance keeps its ledger: <dataDir>/jobs.
    try (var ledger = FileJobLedger.open(data.resolve("jobs"))) {
      ledger.record(
          List.of(
              job("slurm/hall/1", "physics", "0", 0, 7200),
              job("slurm/hall/2", "chem, inc", "1", 1800, 5400)));
    }
  }

  /** A job on one GPU of n1 from {@code from} to {@code to} seconds after 00:00. */
  private static JobRecord job(String id, String account, String gpu, int from, int to) {
    Instant a = T0.plusSeconds(from);
    Instant b = T0.plusSeconds(to);
    return new JobRecord(
        id,
        JobOrigin.SLURM,
        "c1",
        "",
        "u",
        account,
        "gpu",
        a,
        b,
        List.of(new GpuHold("n1", gpu, a, b)));
  }

  @AfterEach
  void restore() {
    System.setOut(oldOut);
    System.setErr(oldErr);
  }

  @Test
  void writesOneRowPerAccountThenIdleThenAllGpus() throws Exception {
    Path csv = dir.resolve("chargeback.csv");
    int code =
        Main.execute(
            "report",
            "--config",
            config.toString(),
            "--from",
            "2026-07-01T00:00:00Z",
            "--to",
            "2026-07-01T02:00:00Z",
            "--chargeback",
            csv.toString());
    assertThat(code).as(err.toString()).isEqualTo(Main.EXIT_OK);
    assertThat(Files.readString(csv))
        .isEqualTo(
            """
            account,jobs,gpu_hours [h],it_energy [kWh],facility_energy [kWh],pue [1],\
            location_based [kgCO2e],market_based [kgCO2e]
            physics,1,2.000000,1.200000,1.800000,1.500000,,
            "chem, inc",1,1.000000,0.300000,0.450000,1.500000,,
            (idle),,,0.300000,0.450000,1.500000,,
            (all GPUs),2,3.000000,1.800000,2.700000,1.500000,,
            """);
  }

  @Test
  void withoutALedgerChargebackIsAUsageErrorNamingWhereItLooked() {
    int code =
        Main.execute(
            "report",
            "--config",
            config.toString(),
            "--from",
            "2026-07-01",
            "--to",
            "2026-07-02",
            "--chargeback",
            dir.resolve("x.csv").toString(),
            "--jobs",
            dir.resolve("nowhere").toString());
    assertThat(code).isEqualTo(Main.EXIT_USAGE);
    assertThat(err.toString()).contains("jobs.ledger").contains("nowhere");
  }
}
