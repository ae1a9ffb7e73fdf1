package io.kilowatch.app.cli;

import io.kilowatch.app.Kilowatch;
import io.kilowatch.config.ConfigException;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.Shard;
import io.kilowatch.store.StoreDamagedException;
import io.kilowatch.store.StoreException;
import io.kilowatch.store.embedded.StoreDamage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Monitors the site described by a configuration file. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = "Monitor the site described by a configuration file.")
final class RunCommand implements Callable<Integer> {
  @Option(
      names = {"-c", "--config"},
      required = true,
      description = "Site configuration YAML file.")
  Path config;

  @Option(
      names = "--port",
      description = "HTTP port (overrides web.port in the config; 0 picks a free one).")
  Integer port;

  @Option(
      names = "--shard",
      paramLabel = "i/n|none",
      description =
          "Poll only shard i of n of the devices, counting from 0, or none (a dashboard-only"
              + " instance); overrides collector.shard.")
  String shard;

  @Override
  public Integer call() throws Exception {
    try {
      var site = ConfigLoader.load(config);
      if (shard != null) {
        try {
          site = site.withCollector(site.collector().withShard(Shard.parse(shard)));
        } catch (IllegalArgumentException e) {
          System.err.println("--shard: " + e.getMessage());
          return Main.EXIT_USAGE;
        }
      }
      Kilowatch started;
      try {
        started = Kilowatch.start(site, port);
      } catch (StoreDamagedException e) {
        // The message says what to do; a stack trace would bury it.
        System.err.println("kilowatch cannot start: " + e.getMessage());
        return Main.EXIT_STORE_DAMAGED;
      } catch (StoreException e) {
        System.err.println(
            "kilowatch cannot start: "
                + e.getMessage()
                + (e.getCause() != null ? ": " + StoreDamage.cause(e.getCause()) : ""));
        return Main.EXIT_FAILURE;
      }
      try (var app = started) {
        System.out.println("kilowatch is monitoring " + site.site().name() + " on " + app.url());
        app.awaitShutdown();
      }
      return Main.EXIT_OK;
    } catch (ConfigException e) {
      e.problems().forEach(System.err::println);
      return Main.EXIT_BAD_CONFIG;
    } catch (IOException e) {
      System.err.println(config + ": cannot read: " + e.getMessage());
      return Main.EXIT_BAD_CONFIG;
    }
  }
}
