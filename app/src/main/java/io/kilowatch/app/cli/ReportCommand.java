package io.kilowatch.app.cli;

import io.kilowatch.analytics.Analytics;
import io.kilowatch.analytics.JobAttribution;
import io.kilowatch.analytics.report.Chargeback;
import io.kilowatch.analytics.report.Report;
import io.kilowatch.analytics.report.ReportBuilder;
import io.kilowatch.analytics.report.ReportFormat;
import io.kilowatch.analytics.report.ReportVerifier;
import io.kilowatch.analytics.report.ReportWriter;
import io.kilowatch.app.Stores;
import io.kilowatch.config.ConfigException;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.Version;
import io.kilowatch.jobs.FileJobLedger;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Writes an energy report for an audit, or checks one against the store. The embedded DuckDB file
 * admits one process: run this against a stopped instance's data directory, or use {@code GET
 * /api/reports} on a running one.
 */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = {
      "Write an energy report (html, pdf, csv, json) or --verify one against the stored data;"
          + " --chargeback writes energy and kgCO2e per account from the job ledger.",
      "The embedded store admits one process: run against a stopped instance's data dir, or use"
          + " GET /api/reports on a running instance."
    })
final class ReportCommand implements Callable<Integer> {
  @Option(
      names = {"-c", "--config"},
      required = true,
      description = "Site configuration YAML file.")
  Path config;

  @Option(
      names = "--from",
      description = "Start: ISO-8601 instant or date (site time zone), inclusive.")
  String from;

  @Option(names = "--to", description = "End: ISO-8601 instant or date, exclusive.")
  String to;

  @Option(names = "--cluster", description = "Only this cluster's share.")
  String cluster;

  @Option(names = "--format", description = "html, pdf, csv or json (default: from --out).")
  String format;

  @Option(names = "--out", description = "Output file.")
  Path out;

  @Option(names = "--verify", description = "Re-compute this report file and compare.")
  Path verify;

  @Option(
      names = "--chargeback",
      description =
          "Also (or only) write the chargeback CSV: energy and kgCO2e per account for --from..--to.")
  Path chargeback;

  @Option(
      names = "--jobs",
      description =
          "Directory of the job ledger (jobs.ledger); default <store dataDir>/jobs. Where it"
              + " holds one, the report gets a per-account and per-job section.")
  Path jobs;

  @Override
  public Integer call() {
    PrintStream err = System.err;
    try {
      var site = ConfigLoader.load(config);
      // Where a running instance keeps it (Kilowatch: <dataDir>/jobs).
      Path ledgerDir =
          jobs != null
              ? jobs
              : site.store().dataDir() == null ? null : site.store().dataDir().resolve("jobs");
      boolean hasLedger = ledgerDir != null && Files.exists(ledgerDir.resolve(FileJobLedger.FILE));
      if (chargeback != null && !hasLedger) {
        err.println(
            "--chargeback needs a job ledger: no "
                + FileJobLedger.FILE
                + " in "
                + ledgerDir
                + " (--jobs DIR)");
        return Main.EXIT_USAGE;
      }
      try (var store = Stores.openForReading(site.store());
          var ledger = hasLedger ? FileJobLedger.open(ledgerDir) : null) {
        var builder = ReportBuilder.forSite(site, store, Version.current()).jobs(ledger);
        if (verify != null) {
          return verify(builder);
        }
        if (from == null || to == null || (out == null && chargeback == null)) {
          err.println("--from, --to and --out or --chargeback are required (or --verify FILE)");
          return Main.EXIT_USAGE;
        }
        if (chargeback != null) {
          ZoneId zone = site.site().timezone();
          var analytics = new Analytics(site, store, java.time.Clock.systemUTC());
          var r =
              analytics
                  .jobs()
                  .attribute(
                      time(from, zone),
                      time(to, zone),
                      cluster,
                      ledger.overlapping(time(from, zone), time(to, zone)),
                      JobAttribution.Detail.SUMMARY,
                      JobAttribution.Scope.CLUSTER);
          atomically(chargeback, Chargeback.csv(r).getBytes(StandardCharsets.UTF_8));
          System.out.printf(
              "%s: chargeback %s..%s, %d jobs, %d accounts%n",
              chargeback, from, to, r.jobs().size(), r.accounts().size());
          if (out == null) {
            return Main.EXIT_OK;
          }
        }
        ZoneId zone = site.site().timezone();
        Instant f = time(from, zone);
        Instant t = time(to, zone);
        ReportFormat fmt =
            format != null
                ? ReportFormat.parse(format)
                : ReportFormat.ofFileName(out.getFileName().toString());
        Report r = builder.build(f, t, cluster, ReportCommand::progress);
        err.println();
        Path tmp = Files.createTempFile(out.toAbsolutePath().getParent(), ".report", ".tmp");
        try (var os = Files.newOutputStream(tmp)) {
          ReportWriter.write(r, fmt, os);
        }
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.printf(
            "%s: %s report %s..%s, input sha256 %s%n",
            out, fmt.extension(), f, t, r.provenance().inputSha256());
        return Main.EXIT_OK;
      }
    } catch (ConfigException e) {
      e.problems().forEach(err::println);
      return Main.EXIT_BAD_CONFIG;
    } catch (IllegalArgumentException | DateTimeParseException e) {
      err.println(e.getMessage());
      return Main.EXIT_USAGE;
    } catch (IOException e) {
      err.println("report failed: " + e.getMessage());
      return Main.EXIT_FAILURE;
    }
  }

  private static void atomically(Path file, byte[] bytes) throws IOException {
    Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".chargeback", ".tmp");
    Files.write(tmp, bytes);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private int verify(ReportBuilder builder) throws IOException {
    var v =
        ReportVerifier.verify(
            verify, (ft, c) -> builder.build(ft[0], ft[1], c, ReportCommand::progress));
    System.err.println();
    for (String d : v.differences()) {
      System.out.println(d);
    }
    System.out.printf(
        "%s: figures %s, input data %s (file %s, store %s)%n",
        verify,
        v.figuresMatch() ? "match" : "DIFFER",
        v.inputMatch() ? "unchanged" : "CHANGED",
        v.fileInputSha256(),
        v.storeInputSha256());
    return v.matches() ? Main.EXIT_OK : Main.EXIT_FAILURE;
  }

  /** A date is midnight in the site's zone; anything else an ISO-8601 instant. */
  static Instant time(String text, ZoneId zone) {
    if (text.length() == 10) {
      return LocalDate.parse(text).atStartOfDay(zone).toInstant();
    }
    return Instant.parse(text);
  }

  private static void progress(int done, int total, String what) {
    int width = 30;
    int filled = total == 0 ? width : done * width / total;
    System.err.printf(
        "\r[%s%s] %d/%d %-20s", "#".repeat(filled), " ".repeat(width - filled), done, total, what);
    System.err.flush();
  }
}
