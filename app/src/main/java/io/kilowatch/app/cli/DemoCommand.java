package io.kilowatch.app.cli;

import io.kilowatch.app.DemoJobs;
import io.kilowatch.app.DemoYaml;
import io.kilowatch.app.Kilowatch;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.simulator.DemoOptions;
import io.kilowatch.simulator.DemoSite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Starts the built-in demo site (simulated devices on loopback sockets) and monitors it through the
 * same collectors, store and server as a real site.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Run kilowatch against a simulated GPU hall served on loopback (no hardware).")
final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "HTTP port (default ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--data-dir",
      defaultValue = "data/demo",
      description =
          "Where the embedded store keeps its file (default ${DEFAULT-VALUE}); a previous demo's"
              + " data there is removed at start.")
  Path dataDir;

  @Option(
      names = "--poll-interval",
      defaultValue = "5s",
      description = "Poll interval of the demo devices (default ${DEFAULT-VALUE}).")
  String pollInterval;

  @Option(
      names = "--rate-limit-per-minute",
      defaultValue = "6000",
      description =
          "API requests per minute per client (default ${DEFAULT-VALUE}; 0 = none, for load benches).")
  int rateLimitPerMinute;

  @Option(names = "--no-faults", description = "Disable the recurring cooling fault in cluster c2.")
  boolean noFaults;

  @Option(
      names = "--alert-webhook",
      description = "Also deliver the demo's alerts to this URL (Alertmanager v4 JSON).")
  java.net.URI alertWebhook;

  @Override
  public Integer call() throws Exception {
    var defaults = DemoOptions.defaults();
    var options =
        new DemoOptions(
            io.kilowatch.config.Durations.parse(pollInterval),
            defaults.seed(),
            !noFaults,
            defaults.faultPeriod(),
            defaults.faultLength());
    forgetPreviousDemo(dataDir);
    try (var demo = DemoSite.start(options)) {
      Files.createDirectories(dataDir);
      Path file = dataDir.resolve("demo-site.yaml");
      Files.writeString(
          file, DemoYaml.of(demo.siteYaml(), dataDir, port, alertWebhook, rateLimitPerMinute));
      var site = ConfigLoader.load(file, DemoYaml.environment(demo));
      // The simulated scheduler's jobs, recorded in kilowatch's own job ledger for the Jobs page
      // and
      // the chargeback report; recording stops before the server (and its ledger) closes.
      try (var app = Kilowatch.start(site, port);
          var jobs = DemoJobs.into(demo.model(), app.jobs(), Duration.ofSeconds(5))) {
        app.serveJobs(app.jobs());
        System.out.println("kilowatch demo: dashboard at " + app.url());
        System.out.println("  site config written to " + file + "; press Ctrl+C to stop");
        app.awaitShutdown();
      }
    }
    return Main.EXIT_OK;
  }

  /**
   * Each start simulates a freshly booted hall: its GPUs' energy counters start again from their
   * since-boot values, which against the previous run's readings would read as meter swaps (R1
   * charges a swap across a long gap with what the new register holds) and its jobs would overlap
   * the new ones. So the demo starts from an empty store; only a directory a demo wrote (it holds
   * demo-site.yaml) is emptied, never another one given by --data-dir.
   */
  static void forgetPreviousDemo(Path dataDir) throws java.io.IOException {
    if (!Files.isRegularFile(dataDir.resolve("demo-site.yaml"))) {
      return;
    }
    try (var paths = Files.walk(dataDir)) {
      for (Path p :
          paths
              .sorted(java.util.Comparator.reverseOrder())
              .filter(p -> !p.equals(dataDir))
              .toList()) {
        Files.delete(p);
      }
    }
  }
}
