package io.kilowatch.testkit.audit;

import io.kilowatch.testkit.RepoRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the independent audit month scripts ({@code analytics/src/test/python}): {@code
 * audit_month.py} writes a seeded month of one-minute meter data ({@code month.lp.gz}, {@code
 * intensity.csv}, {@code site.json}, {@code events.json}) and {@code audit_expected.py}, written
 * from the energy rules alone, computes {@code expected.json}. Tests load the month into kilowatch
 * and compare.
 */
public final class AuditMonthScripts {
  private AuditMonthScripts() {}

  /** Generates the month for {@code seed} into {@code dir} and computes the expected figures. */
  public static Path generate(Path dir, int seed) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path py = RepoRoot.resolve("analytics/src/test/python");
    run(
        dir,
        "python3",
        py.resolve("audit_month.py").toString(),
        "--seed",
        "" + seed,
        "--out",
        dir.toString());
    run(dir, "python3", py.resolve("audit_expected.py").toString(), dir.toString());
    return dir.resolve("expected.json");
  }

  private static void run(Path dir, String... cmd) throws IOException, InterruptedException {
    Path log = dir.resolve("python.log");
    var p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException(List.of(cmd) + " did not finish in 5 minutes");
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException(
          List.of(cmd) + " failed (" + p.exitValue() + "): " + Files.readString(log));
    }
  }
}
