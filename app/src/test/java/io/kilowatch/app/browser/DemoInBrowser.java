package io.kilowatch.app.browser;

import io.kilowatch.app.DemoJobs;
import io.kilowatch.app.DemoYaml;
import io.kilowatch.app.Kilowatch;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.simulator.DemoOptions;
import io.kilowatch.simulator.DemoSite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The demo site monitored by a real kilowatch (its simulated jobs recorded in a job ledger the
 * server reads) and looked at by a headless Chromium: what the browser tests share. Closes in the
 * reverse order of starting.
 */
record DemoInBrowser(DemoSite demo, DemoJobs jobs, Kilowatch app, Chromium browser, String base)
    implements AutoCloseable {

  /** The demo polled every second, with its recurring cooling fault. */
  static DemoOptions everySecond() {
    var d = DemoOptions.defaults();
    return new DemoOptions(Duration.ofSeconds(1), d.seed(), true, d.faultPeriod(), d.faultLength());
  }

  /**
   * Starts the demo with {@code options}, kilowatch on it (data under {@code dir}) and Chromium.
   */
  static DemoInBrowser start(Path dir, DemoOptions options) throws Exception {
    DemoSite demo = DemoSite.start(options);
    DemoJobs jobs = null;
    Kilowatch app = null;
    try {
      Path file = dir.resolve("demo-site.yaml");
      Files.writeString(file, DemoYaml.of(demo.siteYaml(), dir.resolve("data"), 0));
      app = Kilowatch.start(ConfigLoader.load(file, DemoYaml.environment(demo)), 0);
      jobs = DemoJobs.into(demo.model(), app.jobs(), Duration.ofSeconds(1));
      app.serveJobs(app.jobs());
      var browser = Chromium.start(dir.resolve("chromium-profile"));
      return new DemoInBrowser(demo, jobs, app, browser, "http://127.0.0.1:" + app.port());
    } catch (Exception | Error e) {
      if (jobs != null) {
        jobs.close();
      }
      if (app != null) {
        app.close();
      }
      demo.close();
      throw e;
    }
  }

  @Override
  public void close() {
    browser.close();
    jobs.close();
    app.close();
    demo.close();
  }
}
