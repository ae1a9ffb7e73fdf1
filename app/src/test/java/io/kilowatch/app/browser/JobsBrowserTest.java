package io.kilowatch.app.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.kilowatch.testkit.Peer;
import io.kilowatch.testkit.RequiresPeer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Jobs page on the demo, whose simulated scheduler's jobs are recorded in the job ledger: the
 * tables add up to the tiles as the operator reads them, and a job opens its detail.
 */
@RequiresPeer(Peer.CHROMIUM)
class JobsBrowserTest {
  static final Path SHOTS = Path.of("target", "screenshots");

  /** Each table's kWh column as shown (text), and the tile's, as numbers; -1 where unreadable. */
  static final String SUMS =
      """
      (() => {
        const num = t => { const m = /^(-?[0-9]+\\.[0-9]+) kWh$/.exec(t.trim()); return m ? parseFloat(m[1]) : -1; };
        const col = (sel, i) => [...document.querySelectorAll(sel)].map(tr => num(tr.children[i].textContent));
        return {
          tile: num(document.querySelector('#tile-jobs .value').textContent),
          jobs: col('#jobs tbody tr.job-row', 6),
          more: col('#jobs tfoot tr.more-jobs', 6),
          accounts: col('#accounts tbody tr', 3),
        };
      })()
      """;

  @TempDir static Path dir;
  static DemoInBrowser site;

  @BeforeAll
  static void start() throws Exception {
    site = DemoInBrowser.start(dir, DemoInBrowser.everySecond());
  }

  @AfterAll
  static void stop() {
    if (site != null) {
      site.close();
    }
  }

  @Test
  void topJobsAndAccountsAddUpToTheJobsTileAndAJobOpensItsHours() throws Exception {
    var browser = site.browser();
    browser.clearErrors();
    // Every job of the last hour in the table, so its rows alone make the tile's total.
    browser.navigate(site.base() + "/jobs.html?window=1h&top=500");
    // The GPUs' energy counters need two readings before a job holds any energy.
    awaitTrue(
        "document.querySelectorAll('#jobs tbody tr.job-row').length > 0"
            + " && document.querySelectorAll('#accounts tbody tr').length > 1"
            + " && /^[0-9.]+ kWh$/.test(document.querySelector('#tile-jobs .value').textContent)"
            + " && parseFloat(document.querySelector('#tile-jobs .value').textContent) > 0");
    JsonNode s = browser.evaluate(SUMS);
    double tile = s.get("tile").asDouble();
    assertThat(s.get("more")).as("every job shown").isEmpty();
    // Each shown figure is rounded to 0.01 kWh: n of them sum to within n × 0.005 (+ the tile's).
    double jobs = 0;
    for (JsonNode v : s.get("jobs")) {
      assertThat(v.asDouble()).as("a job's kWh cell").isGreaterThanOrEqualTo(0);
      jobs += v.asDouble();
    }
    assertThat(jobs)
        .isCloseTo(tile, org.assertj.core.data.Offset.offset(0.005 * (s.get("jobs").size() + 1)));
    double accounts = 0;
    for (JsonNode v : s.get("accounts")) {
      assertThat(v.asDouble()).as("an account's kWh cell").isGreaterThanOrEqualTo(0);
      accounts += v.asDouble();
    }
    assertThat(accounts)
        .isCloseTo(
            tile, org.assertj.core.data.Offset.offset(0.005 * (s.get("accounts").size() + 1)));
    // Units on every number of the tiles.
    assertThat(browser.evaluate("document.querySelector('#tile-idle .value').textContent").asText())
        .matches("[0-9]+(\\.[0-9])? %");
    assertThat(
            browser.evaluate("document.querySelector('#tile-carbon .value').textContent").asText())
        // In the unit the page chose for its totals (kw.unitFor): g CO2e under a kilogram.
        .matches("[0-9.]+ (kgCO2e|g CO2e|t CO2e|kt CO2e)");

    // A job opens its detail: its GPUs and its hours.
    browser.evaluate("document.querySelector('#jobs tbody tr.job-row').click(), true");
    awaitTrue(
        "!document.getElementById('job-detail').hidden"
            + " && document.querySelectorAll('#job-gpus tbody tr').length > 0"
            + " && /GPUs/.test(document.getElementById('job-sub').textContent)");
    for (int width : new int[] {1440, 390}) {
      boolean phone = width < 600;
      browser.viewport(width, phone ? 844 : 768, phone);
      try {
        browser.nextFrame();
        browser.fullPageScreenshot(SHOTS.resolve("jobs-detail-" + width + ".png"));
        int overflow =
            browser.evaluate("document.documentElement.scrollWidth - window.innerWidth").asInt();
        assertThat(overflow).as("sideways scrolling at %d px", width).isLessThanOrEqualTo(1);
      } finally {
        browser.viewport(1366, 768, false);
      }
    }
    assertThat(browser.errors()).as("console").isEmpty();
  }

  private static void awaitTrue(String expression) {
    await(expression)
        .atMost(Duration.ofSeconds(90))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(500))
        .until(() -> site.browser().evaluate(expression).asBoolean());
  }
}
