package io.kilowatch.jobs;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/** Child process of the kill -9 test: records jobs forever, printing each id once acknowledged. */
public final class LedgerWriterMain {
  private LedgerWriterMain() {}

  public static void main(String[] args) throws Exception {
    Instant t0 = Instant.parse("2026-12-01T10:00:00Z");
    try (var ledger = FileJobLedger.open(Path.of(args[0]))) {
      for (long i = 0; ; i++) {
        String id = "slurm/c1/" + i;
        var holds =
            List.of(
                new GpuHold("gpu-node-1", "0", t0.plusSeconds(i), null),
                new GpuHold("gpu-node-1", "1", t0.plusSeconds(i), null));
        ledger.record(
            List.of(
                new JobRecord(
                    id,
                    JobOrigin.SLURM,
                    "c1",
                    "job " + i,
                    "alice",
                    "physics",
                    "gpu",
                    t0.plusSeconds(i),
                    null,
                    holds)));
        System.out.println("ack " + id);
        System.out.flush();
      }
    }
  }
}
