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
    withinBudget(load);
    assertThat(site.browser().errors()).as("console").isEmpty();
  }

  // The issue's budget for what a page transfers at 25,000 GPUs, held here at 4,096; and a bound
  // on any one data call far above what they take (hundreds of ms here, seconds at 25,000 GPUs on
  // two cores: bench/README.md), so a call that computes for a minute fails rather than passes.
  static final long PAGE_BYTES = 100_000;
  static final double CALL_MS = 30_000;

  private static void withinBudget(ScaleInBrowser.PageLoad load) {
    assertThat(load.transferBytes())
        .as("bytes transferred: %s", load.render())
        .isLessThan(PAGE_BYTES);
    assertThat(load.calls())
        .as("each data call's time: %s", load.render())
        .allSatisfy(c -> assertThat(c.ms()).isLessThan(CALL_MS));
  }

  @Test
  void theClusterPageOfARackOfHundredsOfGpusDrawsWithinBudget() throws Exception {
    var load =
        site.load(
            "/cluster.html?id=c3",
            "document.querySelectorAll('#risk tr').length > 0"
                + " && /[0-9]/.test(document.querySelector('#tile-it .value').textContent)"
                + " && !!document.getElementById('cluster-picker')",
            Duration.ofMinutes(2));
    System.out.print(load.render());
    withinBudget(load);
    assertThat(site.browser().errors()).as("console").isEmpty();
  }

  @Test
  void theDevicesPageIsPagedByTheServerWithinBudget() throws Exception {
    var load =
        site.load(
            "/devices.html",
            "document.querySelectorAll('#devices tbody tr').length > 0"
                + " && /of/.test(document.getElementById('page-info').textContent)",
            Duration.ofMinutes(2));
    System.out.print(load.render());
    // 512 nodes, 256 PDUs, 20 CDUs and the site meter: 789 devices, 100 to a page.
    assertThat(
            site.browser()
                .evaluate("document.querySelectorAll('#devices tbody tr').length")
                .asInt())
        .isEqualTo(100);
    assertThat(site.browser().evaluate("document.getElementById('page-info').textContent").asText())
        .isEqualTo("1–100 of 789");
    assertThat(load.calls())
        .as("one page of devices, not all of them")
        .anySatisfy(c -> assertThat(c.url()).startsWith("/api/devices?limit=100"));
    withinBudget(load);
    assertThat(site.browser().errors()).as("console").isEmpty();
  }
}
