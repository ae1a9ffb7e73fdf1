package io.kilowatch.app.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.kilowatch.app.Kilowatch;
import io.kilowatch.simulator.DemoSite;
import io.kilowatch.testkit.Peer;
import io.kilowatch.testkit.RequiresPeer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads every page of a running demo in headless Chromium, as an operator would, and checks that
 * the charts hold data, that nothing failed in the console, and keeps a screenshot of each.
 */
@RequiresPeer(Peer.CHROMIUM)
class DashboardBrowserTest {
  static final Path SHOTS = Path.of("target", "screenshots");

  /**
   * For each chart on the page: how many data points it holds and how many canvas pixels are
   * painted. An empty canvas or a chart with no data fails the test.
   */
  static final String CHART_STATE =
      """
      (() => {
        const out = {};
        for (const el of document.querySelectorAll('.chart')) {
          const c = echarts.getInstanceByDom(el);
          if (!c) { out[el.id] = {points: -1, painted: 0}; continue; }
          const o = c.getOption();
          // A point is [t, v] or { value: [t, v], missing: [ids] } (a gap naming its devices):
          // either counts only with a value, so a chart of named gaps is not a chart with data.
          const points = (o.series || []).reduce((a, s) => a + (s.data || []).map(d =>
            d !== null && d !== undefined && !Array.isArray(d) && typeof d === 'object' ? d.value : d).filter(d =>
            d !== null && d !== undefined && (!Array.isArray(d) || d[d.length - 1] !== null)).length, 0);
          const cv = el.querySelector('canvas');
          let painted = 0;
          if (cv) {
            const px = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
            for (let i = 3; i < px.length; i += 4 * 7) if (px[i] > 0) painted++;
          }
          out[el.id] = {points, painted};
        }
        return out;
      })()
      """;

  @TempDir static Path dir;
  static DemoInBrowser site;
  static DemoSite demo;
  static Kilowatch app;
  static Chromium browser;
  static String base;

  @BeforeAll
  static void start() throws Exception {
    site = DemoInBrowser.start(dir, DemoInBrowser.everySecond());
    demo = site.demo();
    app = site.app();
    browser = site.browser();
    base = site.base();
  }

  @AfterAll
  static void stop() {
    if (site != null) {
      site.close();
    }
  }

  @Test
  void overviewDrawsPowerAndPueWithoutErrors() throws Exception {
    assertPageRenders("/", "overview", Map.of("chart-power", 3, "chart-pue", 2));
    assertThat(browser.evaluate("document.querySelector('#tile-pue .value').textContent").asText())
        .matches("1\\.\\d{3}");
    // A gap the server names ([ms, null, [ids]], drawn as { value, missing }) says whose it is in
    // the chart's own tooltip; a value reads in the chart's unit.
    JsonNode tips =
        browser.evaluate(
            """
            ['chart-power', 'chart-pue'].map(id => echarts.getInstanceByDom(document.getElementById(id))
              .getOption().tooltip[0].formatter([
                {marker: '', seriesName: 'A', axisValue: 0, value: [0, null],
                 data: {value: [0, null], missing: ['c1-r1-pdu-b', 'main-meter']}},
                {marker: '', seriesName: 'B', axisValue: 0, value: [0, 1.2346], data: [0, 1.2346]},
                {marker: '', seriesName: 'C', axisValue: 0, value: [0, null], data: [0, null]}]))
            """);
    assertThat(tips.get(0).asText())
        .contains(
            "A: gap (no data from c1-r1-pdu-b, main-meter)<br>B: 1.23 kW<br>C: gap (no data)");
    assertThat(tips.get(1).asText())
        .contains("A: gap (no data from c1-r1-pdu-b, main-meter)<br>B: 1.235<br>C: gap (no data)");
    // The cluster cards wait for /api/risk, which follows the charts: on a loaded machine, later.
    awaitTrue("document.querySelectorAll('#cluster-grid .card').length === 2");
    // Risk levels come from the analytics engine, alerts from the alert engine.
    awaitTrue("document.querySelector('#cluster-grid .card').className.includes('risk-ok')");
    awaitTrue("/^\\d+$/.test(document.querySelector('#tile-alerts .value').textContent)");
    awaitTrue("document.querySelector('#tile-carbon .sub').textContent.includes('static')");
  }

  @Test
  void clusterPageDrawsRacksLoopsAndHeatmap() throws Exception {
    assertPageRenders(
        "/cluster.html?id=c2",
        "cluster-c2",
        Map.of("chart-racks", 4, "chart-loop-temp", 4, "chart-loop-flow", 3, "chart-heatmap", 100));
    // c2 and its 4 racks: those not ok in rows of their own, the ok ones folded under one row.
    awaitTrue("document.querySelectorAll('#risk tr.cluster').length === 1");
    awaitTrue("document.querySelectorAll('#risk tr.rack').length === 4");
  }

  @Test
  void devicePageShowsPointsWithQualityAndHistory() throws Exception {
    assertPageRenders("/device.html?id=c1-r1-pdu-a", "device-pdu", Map.of("chart-field", 2));
    int rows = browser.evaluate("document.querySelectorAll('#points tbody tr').length").asInt();
    assertThat(rows).isGreaterThanOrEqualTo(10);
    assertThat(browser.evaluate("document.querySelector('#points tbody').textContent").asText())
        .contains("good");
  }

  @Test
  void devicesAlertsAndReportsPagesLoadCleanly() throws Exception {
    assertPageRenders("/devices.html", "devices", Map.of());
    // 24 PDUs (16 Modbus, 8 SNMP), 32 GPU nodes, 2 CDUs, 2 meters.
    awaitTrue("document.querySelectorAll('#devices tbody tr').length === 60");
    assertPageRenders("/alerts.html", "alerts", Map.of());
    awaitTrue("/6 rules evaluated/.test(document.querySelector('#alerts-meta').textContent)");
    assertPageRenders("/reports.html", "reports", Map.of());
    // A one-day CSV report through the job API: the bar ends at step 3 of 3 (one month, the
    // whole period, the input hash) and the file is offered for download.
    browser.evaluate(
        "(() => { const f = document.getElementById('report-form'); const d = new Date();"
            + " f.from.value = d.toISOString().slice(0, 10); d.setUTCDate(d.getUTCDate() + 1);"
            + " f.to.value = d.toISOString().slice(0, 10); f.format.value = 'csv';"
            + " f.requestSubmit(); return true; })()");
    awaitTrue(
        "(a => a !== null && a.download.endsWith('.csv'))"
            + "(document.querySelector('#report-result a'))");
    awaitTrue("document.querySelector('#report-progress progress').max === 3");
    awaitTrue("document.querySelector('#report-progress progress').value === 3");
  }

  @Test
  void overviewFitsAPhoneWithoutSidewaysScrolling() throws Exception {
    browser.viewport(390, 844, true);
    try {
      assertPageRenders("/", "overview-phone", Map.of("chart-power", 3));
      int overflow =
          browser.evaluate("document.documentElement.scrollWidth - window.innerWidth").asInt();
      assertThat(overflow).isLessThanOrEqualTo(1);
    } finally {
      browser.viewport(1366, 768, false);
    }
  }

  /**
   * Opens a page, waits until every named chart holds at least the given number of points and has
   * painted pixels, saves a screenshot and asserts the console stayed clean.
   */
  private static void assertPageRenders(String path, String name, Map<String, Integer> minPoints)
      throws Exception {
    browser.clearErrors();
    browser.navigate(base + path);
    var state = new AtomicReference<JsonNode>();
    try {
      await(path + " charts")
          .atMost(Duration.ofSeconds(60))
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                state.set(browser.evaluate(minPoints.isEmpty() ? "({})" : CHART_STATE));
                return chartsReady(state.get(), minPoints);
              });
    } catch (ConditionTimeoutException e) {
      // A page that never got ready still gets its screenshot; the assertion below says what lacks.
    }
    browser.nextFrame();
    browser.screenshot(SHOTS.resolve(name + ".png"));
    assertThat(chartsReady(state.get(), minPoints)).as(path + " charts: " + state.get()).isTrue();
    assertThat(browser.errors()).as(path + " console").isEmpty();
  }

  static boolean chartsReady(JsonNode state, Map<String, Integer> minPoints) {
    if (state == null) {
      return false;
    }
    for (var e : minPoints.entrySet()) {
      JsonNode c = state.get(e.getKey());
      if (c == null || c.get("points").asInt() < e.getValue() || c.get("painted").asInt() < 50) {
        return false;
      }
    }
    return true;
  }

  private static void awaitTrue(String expression) {
    await(expression)
        .atMost(Duration.ofSeconds(30))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(250))
        .until(() -> browser.evaluate(expression).asBoolean());
  }
}
