package io.kilowatch.app.cli;

import io.kilowatch.app.history.HistoryImport;
import io.kilowatch.app.history.ImportProgress;
import io.kilowatch.collector.lineprotocol.Precision;
import io.kilowatch.collector.lineprotocol.PushMapping;
import io.kilowatch.config.ConfigException;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.StoreConfig;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.Store;
import io.kilowatch.store.StoreException;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.store.influx.InfluxStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Loads history files into the configured store of a stopped instance: line protocol or CSV, each
 * line mapped to its device as the ingest endpoints map it.
 */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description = {
      "Load history (line protocol or CSV, gzip or not) into the store of a stopped kilowatch.",
      "Lines are mapped to devices as the ingest endpoints map them (push devices' match, device"
          + " tags); unmatched lines are stored and counted. Importing a file twice changes"
          + " nothing. Exit 1 when any line was bad (the others are imported).",
      "CSV: a header time,measurement,field,value plus any other columns as tags; time ISO-8601"
          + " with an offset or epoch milliseconds."
    })
final class ImportCommand implements Callable<Integer> {
  /** Bad lines printed one by one; the summary counts them all. */
  static final int MAX_LISTED = 100;

  @Option(
      names = {"-c", "--config"},
      required = true,
      description = "Site configuration YAML file (its store is written).")
  Path config;

  @Option(
      names = "--precision",
      defaultValue = "ns",
      description = "Unit of line-protocol timestamps: ns, us, ms or s (default ${DEFAULT-VALUE}).")
  String precision;

  @Option(
      names = "--format",
      defaultValue = "auto",
      description =
          "auto (.csv[.gz] is CSV, else CSV when the first line is its header, else line"
              + " protocol), lp or csv (default ${DEFAULT-VALUE}).")
  String format;

  @Option(
      names = "--batch-points",
      defaultValue = "50000",
      description = "Field values per store write (default ${DEFAULT-VALUE}).")
  int batchPoints;

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "History files, in order.")
  List<Path> files;

  @Override
  public Integer call() {
    PrintStream err = System.err;
    Precision p;
    HistoryImport.Format f;
    try {
      p = Precision.of(precision);
      f = HistoryImport.Format.valueOf(format.strip().toUpperCase(Locale.ROOT));
      if (batchPoints < 1) {
        throw new IllegalArgumentException("--batch-points must be positive");
      }
    } catch (IllegalArgumentException e) {
      err.println(
          e.getMessage() != null && e.getMessage().startsWith("No enum")
              ? "--format must be auto, lp or csv, got '" + format + "'"
              : e.getMessage());
      return Main.EXIT_USAGE;
    }
    for (Path file : files) {
      if (!Files.isRegularFile(file)) {
        err.println(file + ": no such file");
        return Main.EXIT_USAGE;
      }
    }
    SiteConfig site;
    try {
      site = ConfigLoader.load(config);
    } catch (ConfigException e) {
      e.problems().forEach(err::println);
      return Main.EXIT_BAD_CONFIG;
    } catch (IOException e) {
      err.println(config + ": cannot read: " + e.getMessage());
      return Main.EXIT_BAD_CONFIG;
    }
    Store store;
    try {
      store = open(site.store());
    } catch (StoreException e) {
      err.println(whyNotOpened(site.store(), e));
      return Main.EXIT_FAILURE;
    }
    try (store) {
      Instant old = lateDataHorizon(site.store(), store);
      var progress = ImportProgress.forStderr(HistoryImport.totalSize(files));
      var listed = new int[1];
      var summary =
          new HistoryImport(PushMapping.of(site), store, p, f, batchPoints, old)
              .run(
                  files,
                  progress,
                  problem -> {
                    if (listed[0]++ < MAX_LISTED) {
                      progress.message(problem.toString());
                    }
                  });
      report(summary, site.store(), err);
      return summary.bad() > 0 ? Main.EXIT_FAILURE : Main.EXIT_OK;
    } catch (StoreException e) {
      err.println();
      err.println(
          "import stopped: the store refused a write: "
              + e.getMessage()
              + (e.getCause() != null ? " (" + e.getCause().getMessage() + ")" : "")
              + "; what was written stays, and importing the files again is harmless");
      return Main.EXIT_FAILURE;
    }
  }

  /**
   * The site's store. The embedded one without its background maintenance: a maintenance pass in
   * the middle of an import would move the store's horizons to now, and history imported after it
   * would be late data (see the store's README); the next {@code kilowatch run} rolls it all up.
   * InfluxDB directly, without the disk buffer a running instance uses, so a refused write stops
   * the import instead of waiting in a buffer.
   */
  private static Store open(StoreConfig config) {
    return switch (config.kind()) {
      case EMBEDDED ->
          EmbeddedStore.open(
              config.dataDir(),
              config.rawRetention(),
              config.minuteRetention(),
              config.hourRetention(),
              false);
      case INFLUXDB -> InfluxStore.open(config.influxdb());
    };
  }

  static String whyNotOpened(StoreConfig config, StoreException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && (m.contains("Could not set lock") || m.contains("Conflicting lock"))) {
        return "stop kilowatch first: "
            + config.dataDir()
            + " is in use (the embedded store admits one process)";
      }
    }
    return "cannot open the store: "
        + e.getMessage()
        + (e.getCause() != null ? ": " + e.getCause().getMessage() : "");
  }

  /**
   * For an embedded store that already holds data: the raw-retention horizon, before which it keeps
   * late data raw only until its next retention pass, without adding it to its rollups. A fresh
   * store rolls everything up; InfluxDB keeps what its retention policy says.
   */
  private static Instant lateDataHorizon(StoreConfig config, Store store) {
    if (config.kind() != StoreConfig.StoreKind.EMBEDDED
        || store.listSeries(SeriesQuery.of("", null)).isEmpty()) {
      return null;
    }
    return Instant.now().minus(config.rawRetention());
  }

  private static void report(HistoryImport.Summary s, StoreConfig config, PrintStream err) {
    err.printf(
        Locale.ROOT,
        "imported %,d lines from %d file(s): %,d points written%n",
        s.lines(),
        s.files(),
        s.points());
    if (s.unmatched() > 0) {
      err.printf(
          Locale.ROOT,
          "%,d lines match no configured device (stored as they are; no analytics reads them"
              + " until a push device's match or a device tag claims them); first:%n",
          s.unmatched());
      s.unmatchedExamples().forEach(u -> err.println("  " + u));
    }
    if (s.bad() > 0) {
      err.printf(
          Locale.ROOT,
          "%,d bad lines not imported%s%n",
          s.bad(),
          s.bad() > MAX_LISTED ? " (the first " + MAX_LISTED + " are listed above)" : "");
    }
    if (s.pointsBefore() > 0) {
      err.printf(
          Locale.ROOT,
          "warning: %,d points are older than store.retention.raw (%s) and went into an embedded"
              + " store that already held data. If kilowatch has run on it, it keeps late data"
              + " that old raw only until its next retention pass and does not add it to its"
              + " rollups; import long history into a fresh data directory before the first"
              + " run.%n",
          s.pointsBefore(),
          io.kilowatch.config.Durations.format(config.rawRetention()));
    }
  }
}
