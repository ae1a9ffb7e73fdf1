package io.kilowatch.app.cli;

import io.kilowatch.collector.lineprotocol.LineProtocolWriter;
import io.kilowatch.collector.lineprotocol.Precision;
import io.kilowatch.config.ConfigException;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.StoreConfig;
import io.kilowatch.store.StoreException;
import io.kilowatch.store.embedded.StoreCheck;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Looks after the embedded store's file of a stopped instance: check, move aside, export. */
@Command(
    name = "store",
    mixinStandardHelpOptions = true,
    description = {
      "Check, move aside or export the embedded store's file (store.dataDir/kilowatch.duckdb) of a"
          + " stopped kilowatch.",
      "Recovery from a damaged file: `store check`, `store export > saved.lp`, `store"
          + " quarantine`, start kilowatch (a new store), `kilowatch import saved.lp`."
    },
    subcommands = {
      StoreCommand.Check.class,
      StoreCommand.Quarantine.class,
      StoreCommand.Export.class
    })
final class StoreCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "Missing command: check, quarantine or export");
  }

  /** Options every subcommand shares. */
  abstract static class OnFile implements Callable<Integer> {
    @Option(
        names = {"-c", "--config"},
        required = true,
        description = "Site configuration YAML file (its store.dataDir holds the file).")
    Path config;

    final PrintStream err = System.err;

    /** The store file, or null after printing why there is none to look at. */
    Path file() {
      StoreConfig store;
      try {
        store = ConfigLoader.load(config).store();
      } catch (ConfigException e) {
        e.problems().forEach(err::println);
        return null;
      } catch (IOException e) {
        err.println(config + ": cannot read: " + e.getMessage());
        return null;
      }
      if (store.kind() != StoreConfig.StoreKind.EMBEDDED) {
        err.println("the site's store is " + store.kind() + ": only the embedded store has a file");
        return null;
      }
      return StoreCheck.fileIn(store.dataDir());
    }
  }

  @Command(
      name = "check",
      mixinStandardHelpOptions = true,
      description = {
        "Open the store file read-only and read every row of every table (DuckDB checks each"
            + " block's checksum as it reads it); print the rows per table.",
        "Exit 0 when every table reads, 4 when the file is damaged, 1 when it cannot be looked at"
            + " (no file, or kilowatch still running), 3 on a bad configuration."
      })
  static final class Check extends OnFile {
    @Override
    public Integer call() {
      Path file = file();
      if (file == null) {
        return Main.EXIT_BAD_CONFIG;
      }
      if (!Files.isRegularFile(file)) {
        err.println(file + ": no such file (a new store starts there)");
        return Main.EXIT_FAILURE;
      }
      StoreCheck.Report r;
      try {
        r = StoreCheck.check(file);
      } catch (StoreException e) {
        err.println(e.getMessage() + " (stop kilowatch first)");
        return Main.EXIT_FAILURE;
      }
      PrintStream out = System.out;
      out.println("store file " + file);
      if (r.walNote() != null) {
        out.println("  " + r.walNote());
      }
      if (r.openError() != null) {
        out.println("  cannot be opened: " + r.openError());
      }
      for (var t : r.tables()) {
        out.println(
            t.healthy()
                ? String.format(Locale.ROOT, "  %-12s %,d rows", t.table(), t.rows())
                : String.format(Locale.ROOT, "  %-12s DAMAGED: %s", t.table(), t.error()));
      }
      if (r.healthy()) {
        out.println("healthy: every table read");
        return Main.EXIT_OK;
      }
      out.println(
          "DAMAGED: `kilowatch store export` saves the raw readings that can still be read,"
              + " `kilowatch store quarantine` moves the file aside so that a new store starts,"
              + " and `kilowatch import` loads the export into it");
      return Main.EXIT_STORE_DAMAGED;
    }
  }

  @Command(
      name = "quarantine",
      mixinStandardHelpOptions = true,
      description = {
        "Move the store file and its write-ahead log aside (kilowatch.duckdb.damaged-<UTC time>),"
            + " so that the next start creates a new, empty store. Nothing is deleted.",
        "Refused while kilowatch holds the file. Exit 0 when moved, 1 otherwise."
      })
  static final class Quarantine extends OnFile {
    @Override
    public Integer call() {
      Path file = file();
      if (file == null) {
        return Main.EXIT_BAD_CONFIG;
      }
      try {
        for (Path p : StoreCheck.quarantine(file, Instant.now())) {
          System.out.println("moved aside: " + p);
        }
        System.out.println("the next start creates a new store at " + file);
        return Main.EXIT_OK;
      } catch (IOException e) {
        err.println(e.getMessage());
        return Main.EXIT_FAILURE;
      }
    }
  }

  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      description = {
        "Write the good raw readings the store file still holds as line protocol (nanosecond"
            + " times, which `kilowatch import` reads by default) to standard output or --output.",
        "Time windows over a damaged block (down to 10 minutes) are listed on stderr and left"
            + " out; history older than the raw retention exists only as rollups and is not"
            + " exported. Exit 0 when all was read, 4 when some windows could not be, 1 when"
            + " nothing could."
      })
  static final class Export extends OnFile {
    @Option(names = "--from", description = "First instant, ISO-8601 (default: all).")
    String from;

    @Option(names = "--to", description = "End instant, exclusive, ISO-8601 (default: all).")
    String to;

    @Option(
        names = {"-o", "--output"},
        description = "File to write (default: standard output).")
    Path output;

    @Override
    public Integer call() {
      Instant f;
      Instant t;
      try {
        f = from == null ? Instant.EPOCH : Instant.parse(from);
        t = to == null ? Instant.parse("9999-01-01T00:00:00Z") : Instant.parse(to);
      } catch (DateTimeParseException e) {
        err.println("--from/--to: " + e.getMessage());
        return Main.EXIT_USAGE;
      }
      Path file = file();
      if (file == null) {
        return Main.EXIT_BAD_CONFIG;
      }
      if (!Files.isRegularFile(file)) {
        err.println(file + ": no such file");
        return Main.EXIT_FAILURE;
      }
      try (Writer w =
          output != null
              ? Files.newBufferedWriter(output, StandardCharsets.UTF_8)
              : new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8))) {
        var summary =
            StoreCheck.export(
                file,
                f,
                t,
                samples -> {
                  try {
                    w.write(LineProtocolWriter.format(samples, Precision.NS));
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                });
        w.flush();
        summary.lost().forEach(l -> err.println("not readable: " + l));
        err.printf(
            Locale.ROOT,
            "exported %,d readings (%,d bad or missing readings left out); %d time window(s)"
                + " could not be read%n",
            summary.points(),
            summary.skippedNotGood(),
            summary.lost().size());
        return summary.lost().isEmpty() ? Main.EXIT_OK : Main.EXIT_STORE_DAMAGED;
      } catch (SQLException e) {
        err.println("cannot export " + file + ": " + e.getMessage().lines().findFirst().orElse(""));
        return Main.EXIT_FAILURE;
      } catch (IOException | UncheckedIOException e) {
        err.println("cannot write the export: " + e.getMessage());
        return Main.EXIT_FAILURE;
      }
    }
  }
}
