package io.kilowatch.app.browser;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.testkit.Peer;
import io.kilowatch.testkit.RequiresPeer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 26, item 6: the dashboard on a site of 4,096 GPUs, 256 PDUs, 8 clusters and 20 CDUs through
 * the real collectors. Each test opens a page, asserts what an operator must see, and prints the
 * page's data calls (bytes and ms) so budgets can be set from measured figures.
 */
@RequiresPeer(Peer.CHROMIUM)
class ScaleBrowserTest {
  @TempDir static Path dir;
  static ScaleInBrowser site;

  @BeforeAll
  static void start() throws Exception {
    site = ScaleInBrowser.start(dir, ScaleInBrowser.Shape.issue26());
  }

  @AfterAll
  static void stop() {
    if (site != null) {
      site.close();
    }
  }

  // The issue: "IT power – no data yet" and "Cooling power – no data yet" beside a PUE, and a
  // Power chart with only its axis. Every headline tile must hold a number and the chart points.
  @Test
  void theOverviewFillsItsPowerTilesAndThePowerChart() throws Exception {
    // Filled tiles, and the page's first refresh done to its end (cluster cards and the carbon
    // tile come last), so every data call of one load is recorded.
    String filled =
        "['#tile-facility', '#tile-it', '#tile-cooling', '#tile-pue'].every(id =>"
            + " /[0-9]/.test(document.querySelector(id + ' .value').textContent))"
            + " && document.querySelectorAll('#cluster-grid .card').length === 8"
            + " && document.querySelector('#tile-carbon .sub').textContent !== ''";
    var load = site.load("/", filled, Duration.ofMinutes(2));
    // The site has no carbon intensity source: the tile says so in words, not "source none".
    assertThat(
            site.browser()
                .evaluate("document.querySelector('#tile-carbon .sub').textContent")
                .asText())
        .contains("no carbon intensity source configured");
    var charts = site.browser().evaluate(DashboardBrowserTest.CHART_STATE);
    System.out.print(load.render());
    assertThat(DashboardBrowserTest.chartsReady(charts, Map.of("chart-power", 3)))
        .as("charts: " + charts)
        .isTrue();
    assertThat(load.calls()).as("data calls").isNotEmpty();
    assertThat(site.browser().errors()).as("console").isEmpty();
  }
}
