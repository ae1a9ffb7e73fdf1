package io.kilowatch.app.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * On demand, against a kilowatch that is already running (issue 26's 25,000-GPU site: bench's
 * {@code Simulate} and {@code ./kilowatch run}): opens the overview, a cluster page and the devices
 * page as an operator would, waits until each has drawn its data, screenshots it, and prints each
 * page's load time and the bytes its data calls transferred.
 *
 * <pre>
 * ./mvnw -o -B test -pl app -am -Dtest=LiveSitePagesTest -Dsurefire.failIfNoSpecifiedTests=false \
 *   -Dkilowatch.url=http://127.0.0.1:8080 -Dkilowatch.cluster=c0 -Dkilowatch.shots=docs/screenshots
 * </pre>
 *
 * <p>Skipped without {@code kilowatch.url}: the suite's own scale test is {@link ScaleBrowserTest},
 * on a site it builds.
 */
@EnabledIfSystemProperty(named = "kilowatch.url", matches = ".+")
class LiveSitePagesTest {

  private record Page(String name, String path, String ready) {}

  @Test
  void overviewClusterAndDevicesPagesDrawTheirDataWithACleanConsole(@TempDir Path dir)
      throws Exception {
    String base = System.getProperty("kilowatch.url");
    String cluster = System.getProperty("kilowatch.cluster", "c0");
    Path shots = Path.of(System.getProperty("kilowatch.shots", "target/live-shots"));
    Files.createDirectories(shots);
    var pages =
        List.of(
            new Page(
                "overview",
                "/",
                "['#tile-facility', '#tile-it', '#tile-cooling', '#tile-pue'].every(id =>"
                    + " /[0-9]/.test(document.querySelector(id + ' .value').textContent))"
                    + " && document.querySelectorAll('#cluster-grid .card').length > 0"
                    + " && document.querySelector('#tile-carbon .sub').textContent !== ''"),
            new Page(
                "cluster-" + cluster,
                "/cluster.html?id=" + cluster,
                "document.querySelectorAll('#risk tr').length > 0"
                    + " && /[0-9]/.test(document.querySelector('#tile-it .value').textContent)"),
            new Page(
                "devices",
                "/devices.html",
                "document.querySelectorAll('#devices tbody tr').length > 0"
                    + " && /[0-9]/.test(document.getElementById('page-info').textContent)"));
    try (var browser = Chromium.start(dir.resolve("profile"))) {
      browser.viewport(1440, 900, false);
      // A page's heavy calls still computing on the server when the next page opens (the server
      // does not cancel them) would take the query gate's turns from it: let them finish first.
      Duration pause = Duration.ofSeconds(Long.getLong("kilowatch.pauseSeconds", 20));
      boolean first = true;
      for (Page page : pages) {
        if (!first) {
          Thread.sleep(pause);
        }
        first = false;
        browser.clearErrors();
        long start = System.nanoTime();
        browser.navigate(base + page.path());
        try {
          await(page.name())
              .atMost(Duration.ofMinutes(2))
              .pollDelay(Duration.ZERO)
              .pollInterval(Duration.ofMillis(100))
              .until(() -> browser.evaluate(page.ready()).asBoolean());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
          // What the page shows instead, for whoever reads the failure.
          browser.fullPageScreenshot(shots.resolve(page.name() + "-not-ready.png"));
          throw new AssertionError(
              page.name()
                  + " not drawn in 2 minutes; console "
                  + browser.errors()
                  + "; tiles "
                  + browser.evaluate(
                      "[...document.querySelectorAll('.tile')].map(t => t.id + '=' +"
                          + " t.textContent.replace(/\\s+/g, ' ').trim()).join(' | ')")
                  + "; data calls "
                  + browser.evaluate(
                      "performance.getEntriesByType('resource').filter(e => new"
                          + " URL(e.name).pathname.startsWith('/api/')).map(e => e.name + ' '"
                          + " + Math.round(e.duration) + ' ms ' + e.responseStatus).join(', ')"),
              e);
        }
        double readyMs = (System.nanoTime() - start) / 1e6;
        JsonNode calls =
            browser.evaluate(
                """
                performance.getEntriesByType('resource')
                  .filter(e => new URL(e.name).pathname.startsWith('/api/'))
                  .map(e => ({url: e.name.replace(location.origin, ''), transfer: e.transferSize,
                              body: e.decodedBodySize, ms: e.duration}))
                """);
        long transfer = 0;
        long body = 0;
        var lines = new StringBuilder();
        for (JsonNode c : calls) {
          transfer += c.get("transfer").asLong();
          body += c.get("body").asLong();
          lines.append(
              String.format(
                  Locale.ROOT,
                  "  %8d B (body %8d B) %8.1f ms  %s%n",
                  c.get("transfer").asLong(),
                  c.get("body").asLong(),
                  c.get("ms").asDouble(),
                  c.get("url").asText()));
        }
        browser.nextFrame();
        browser.fullPageScreenshot(shots.resolve(page.name() + "-1440.png"));
        System.out.printf(
            Locale.ROOT,
            "%s (%s): drawn in %.0f ms; %d data calls, %d B transferred (%d B of bodies)%n%s",
            page.name(),
            page.path(),
            readyMs,
            calls.size(),
            transfer,
            body,
            lines);
        assertThat(calls.size()).as(page.name() + ": data calls").isPositive();
        assertThat(browser.errors()).as(page.name() + ": console").isEmpty();
      }
    }
  }
}
