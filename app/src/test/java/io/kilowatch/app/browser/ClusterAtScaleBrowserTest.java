package io.kilowatch.app.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.kilowatch.app.Kilowatch;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.testkit.Peer;
import io.kilowatch.testkit.RequiresPeer;
import io.kilowatch.web.ingest.TokenAuth;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster page of a cluster the size of one at 25,000 GPUs (34 racks, 1,088 GPUs), in headless
 * Chromium: rack power as the 8 largest racks and the rest summed, the risk table with the racks
 * that are not ok first and the others folded, a heatmap of every GPU drawn on a canvas, and the
 * sentence saying why where no GPU reports a margin. The readings are pushed as line protocol
 * through the ingest endpoint, as `kilowatch agent` or Telegraf would: a demo hall has 4 racks.
 *
 * <p>Cluster {@code big}: rack {@code rNN} (1 to 34) has one PDU drawing (20 + NN) kW and 4 nodes
 * of 8 GPUs at 57 °C under an 87 °C slowdown threshold (30 K of margin, ok), except rack r07 at 86
 * °C (1 K: watch) with its node r07-n2's GPU 5 at 87 °C (0 K: critical) and rack r21 at 82 °C (5 K:
 * watch). Cluster {@code dark}: 2 racks of 8 GPUs reporting a temperature and no threshold.
 */
@RequiresPeer(Peer.CHROMIUM)
class ClusterAtScaleBrowserTest {
  static final String TOKEN = "cluster-at-scale-feed";
  static final int RACKS = 34;
  static final int NODES = 4;
  static final int GPUS = 8;

  @TempDir static Path dir;
  static Kilowatch app;
  static Chromium browser;
  static String base;
  static ScheduledExecutorService feed;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  static String rack(int r) {
    return String.format("r%02d", r);
  }

  static String siteYaml() {
    var y = new StringBuilder();
    y.append("site: {name: cluster at scale}\n")
        .append("store: {kind: embedded, dataDir: ")
        .append(dir.resolve("data"))
        .append("}\n")
        .append("web: {port: 0, tokens: [{name: feed, sha256: ")
        .append(TokenAuth.sha256Hex(TOKEN))
        .append(", role: operator}]}\n")
        .append("clusters:\n  - id: big\n    racks:\n");
    for (int r = 1; r <= RACKS; r++) {
      pduRack(y, rack(r));
    }
    y.append("  - id: dark\n    racks:\n");
    for (String r : new String[] {"d01", "d02"}) {
      pduRack(y, r);
    }
    return y.toString();
  }

  private static void pduRack(StringBuilder y, String rack) {
    y.append("      - id: ")
        .append(rack)
        .append("\n        devices:\n          - {id: pdu-")
        .append(rack)
        .append(", kind: pdu, interval: 5s, source: {type: push, match: {meter: pdu-")
        .append(rack)
        .append("}, units: {power_w: W}}}\n");
  }

  /** Every reading of the site at {@code ms}, as line protocol (millisecond precision). */
  static String lines(long ms) {
    var out = new StringBuilder();
    for (int r = 1; r <= RACKS; r++) {
      out.append("pdu,meter=pdu-")
          .append(rack(r))
          .append(" power_w=")
          .append((20 + r) * 1000)
          .append(' ')
          .append(ms)
          .append('\n');
      for (int n = 1; n <= NODES; n++) {
        for (int g = 0; g < GPUS; g++) {
          int temp = r == 7 ? (n == 2 && g == 5 ? 87 : 86) : r == 21 ? 82 : 57;
          gpu(out, "big", rack(r), n, g, "temp_c=" + temp + ",slowdown_temp_c=87", ms);
        }
      }
    }
    for (String r : new String[] {"d01", "d02"}) {
      out.append("pdu,meter=pdu-").append(r).append(" power_w=5000 ").append(ms).append('\n');
      for (int g = 0; g < 4; g++) {
        gpu(out, "dark", r, 1, g, "temp_c=60", ms);
      }
    }
    return out.toString();
  }

  private static void gpu(
      StringBuilder out, String cluster, String rack, int node, int g, String fields, long ms) {
    out.append("gpu,cluster=")
        .append(cluster)
        .append(",rack=")
        .append(rack)
        .append(",device=")
        .append(rack)
        .append("-n")
        .append(node)
        .append(",gpu=")
        .append(g)
        .append(' ')
        .append(fields)
        .append(' ')
        .append(ms)
        .append('\n');
  }

  static void push(String body) throws Exception {
    var r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(base + "/write?precision=ms"))
                .header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    // 200: stored, with the GPU lines reported as belonging to no configured device.
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 204);
  }

  @BeforeAll
  static void start() throws Exception {
    Path file = dir.resolve("site.yaml");
    Files.writeString(file, siteYaml());
    app = Kilowatch.start(ConfigLoader.load(file), 0);
    base = "http://127.0.0.1:" + app.port();
    // Ten minutes of history every 5 s (the risk engine's trend window), then live every 5 s.
    long now = System.currentTimeMillis() / 5000 * 5000;
    // A minute per request: ingest takes at most 100,000 lines in one.
    for (long m = now - Duration.ofMinutes(10).toMillis(); m <= now; m += 60_000) {
      var minute = new StringBuilder();
      for (long t = m; t < m + 60_000 && t <= now; t += 5000) {
        minute.append(lines(t));
      }
      push(minute.toString());
    }
    feed = Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().factory());
    feed.scheduleAtFixedRate(
        () -> {
          try {
            push(lines(System.currentTimeMillis()));
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        },
        5,
        5,
        TimeUnit.SECONDS);
    browser = Chromium.start(dir.resolve("chromium-profile"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (feed != null) {
      feed.shutdownNow();
      feed.awaitTermination(10, TimeUnit.SECONDS);
    }
    if (browser != null) {
      browser.close();
    }
    if (app != null) {
      app.close();
    }
  }

  @Test
  void aClusterOf34RacksDrawsTopRacksFoldsOkRacksAndMapsEveryGpu() throws Exception {
    browser.clearErrors();
    browser.navigate(base + "/cluster.html?id=big");
    String racks = "echarts.getInstanceByDom(document.getElementById('chart-racks'))";
    awaitTrue(racks + " && " + racks + ".getOption().series.length > 0");
    awaitTrue("document.querySelectorAll('#risk tr.rack').length === 34");
    awaitTrue("document.querySelector('#tile-margin .value').textContent === '0.0 K'");
    browser.nextFrame();
    browser.screenshot(DashboardBrowserTest.SHOTS.resolve("cluster-34-racks.png"));

    // The 8 racks of highest power (r34 at 54 kW down to r27 at 47 kW) and one band for the other
    // 26, whose sum is 26 × 20 kW + (1 + … + 26) kW = 520 + 351 = 871 kW.
    JsonNode names = browser.evaluate(racks + ".getOption().series.map(s => s.name)");
    assertThat(names).hasSize(9);
    assertThat(names.get(0).asText()).isEqualTo("r34");
    assertThat(names.get(7).asText()).isEqualTo("r27");
    assertThat(names.get(8).asText()).isEqualTo("26 other racks");
    awaitTrue(
        "(d => d.some(p => Array.isArray(p) && Math.abs(p[1] - 871) < 1e-6))("
            + racks
            + ".getOption().series[8].data)");
    // The stack's total, (21 + … + 54) kW = 34 × 20 + 595 = 1,275 kW, is over 1,000 kW: the axis
    // reads in MW, each tick divided by 1,000; the tooltip gives 871 kW in kW.
    assertThat(browser.evaluate(racks + ".getOption().yAxis[0].name").asText()).isEqualTo("MW");
    assertThat(browser.evaluate(racks + ".getOption().yAxis[0].axisLabel.formatter(1500)").asText())
        .isEqualTo("1.5");
    assertThat(
            browser
                .evaluate(
                    racks
                        + ".getOption().tooltip[0].formatter([{marker: '', seriesName: 'o',"
                        + " axisValue: 0, value: [0, 871], data: [0, 871]}])")
                .asText())
        .endsWith("o: 871 kW");

    // The cluster, the critical rack, the watched one, then "32 racks ok" folded.
    JsonNode rows =
        browser.evaluate(
            "[...document.querySelectorAll('#risk tr')].slice(1, 5).map(tr => tr.textContent)");
    assertThat(rows.get(0).asText()).startsWith("cluster bigcritical");
    assertThat(rows.get(1).asText()).startsWith("rack r07critical");
    assertThat(rows.get(2).asText()).startsWith("rack r21watch");
    assertThat(rows.get(3).asText()).isEqualTo("32 racks ok · show");
    assertThat(
            browser
                .evaluate("document.querySelectorAll('#risk tr.rack:not([hidden])').length")
                .asInt())
        .isEqualTo(2);
    browser.evaluate("document.querySelector('#risk tr.ok-fold button').click(), true");
    awaitTrue("document.querySelectorAll('#risk tr.rack:not([hidden])').length === 34");

    // Every GPU is a cell: 34 racks × 32 places (4 nodes × 8 GPUs), on a canvas.
    String heat = "echarts.getInstanceByDom(document.getElementById('chart-heatmap'))";
    awaitTrue(heat + ".getOption().series[0].data.length === 1088");
    assertThat(browser.evaluate(heat + ".getOption().yAxis[0].data.length").asInt()).isEqualTo(34);
    assertThat(browser.evaluate(heat + ".getOption().xAxis[0].data.length").asInt()).isEqualTo(32);
    assertThat(
            browser
                .evaluate(
                    "!!document.querySelector('#chart-heatmap canvas') && "
                        + heat
                        + ".getDom().hidden === false")
                .asBoolean())
        .isTrue();
    assertThat(browser.evaluate("document.querySelector('#tile-margin .sub').textContent").asText())
        .isEqualTo("1088 of 1088 GPUs with a margin · lowest r07-n2/gpu5");
    assertThat(browser.evaluate("document.getElementById('heatmap-why').hidden").asBoolean())
        .isTrue();
    assertThat(browser.errors()).as("console").isEmpty();
  }

  @Test
  void aClusterWhoseGpusReportNoThresholdSaysWhyInsteadOfEmptyAxes() throws Exception {
    browser.clearErrors();
    browser.navigate(base + "/cluster.html?id=dark");
    // Until the cluster's first readings are in, the page rightly says that no GPU reports yet;
    // the live refresh then says why there is still no margin.
    awaitTrue(
        "!document.getElementById('heatmap-why').hidden && document.getElementById('heatmap-why')"
            + ".textContent.startsWith('No margin to draw: 8 GPUs report a temperature')");
    browser.nextFrame();
    browser.screenshot(DashboardBrowserTest.SHOTS.resolve("cluster-no-margin.png"));
    assertThat(browser.evaluate("document.getElementById('heatmap-why').textContent").asText())
        .startsWith(
            "No margin to draw: 8 GPUs report a temperature but no slowdown threshold or margin")
        .contains("DCGM_FI_DEV_SLOWDOWN_TEMP");
    assertThat(browser.evaluate("document.getElementById('chart-heatmap').hidden").asBoolean())
        .isTrue();
    assertThat(
            browser.evaluate("document.querySelector('#tile-margin .value').textContent").asText())
        .isEqualTo("–");
    assertThat(browser.errors()).as("console").isEmpty();
  }

  /**
   * The page's formatter, values worked by hand: the prefix is the largest step of 1,000 that
   * leaves at least 1 (printed to three digits), never below the family's smallest name.
   */
  @Test
  void valuesReadInThePrefixTheirMagnitudeNeeds() throws Exception {
    // The reports page loads common.js and computes nothing until asked.
    browser.navigate(base + "/reports.html");
    awaitTrue("typeof kw === 'object'");
    JsonNode out =
        browser.evaluate(
            """
            [kw.quantity(21207.2, 'kW'), kw.quantity(0.85, 'kW'), kw.quantity(1234, 'kgCO2e'),
             kw.quantity(12, 'kgCO2e'), kw.quantity(999.7, 'kW'), kw.quantity(0.9994, 'kW'),
             kw.quantity(5e6, 'kWh'), kw.quantity(2.5e6, 'kgCO2e'), kw.quantity(21.54, '°C'),
             kw.quantity(null, 'kW'), kw.unitFor(21240, 'kW').unit, kw.unitFor(21240, 'kW').factor,
             kw.quantityIn(1234.5, kw.unitFor(512000, 'kWh'), 2)]
            """);
    // 21207.2 / 1000 = 21.2072; 0.85 × 1000 = 850; 1234 kg = 1.234 t; 999.7 kW prints "1000"
    // in kW, so it reads 0.9997 MW = "1.00"; 0.9994 kW is under 0.9995 so it reads 999.4 W;
    // 5e6 kWh = 5 GWh; 2.5e6 kg = 2,500 t = 2.5 kt; 12 kg needs no other prefix, so its unit is
    // the one sent; °C takes no prefix (one digit asked).
    assertThat(out.get(0).asText()).isEqualTo("21.2 MW");
    assertThat(out.get(1).asText()).isEqualTo("850 W");
    assertThat(out.get(2).asText()).isEqualTo("1.23 t CO2e");
    assertThat(out.get(3).asText()).isEqualTo("12.0 kgCO2e");
    assertThat(out.get(4).asText()).isEqualTo("1.00 MW");
    assertThat(out.get(5).asText()).isEqualTo("999 W");
    assertThat(out.get(6).asText()).isEqualTo("5.00 GWh");
    assertThat(out.get(7).asText()).isEqualTo("2.50 kt CO2e");
    assertThat(out.get(8).asText()).isEqualTo("21.5 °C");
    assertThat(out.get(9).asText()).isEqualTo("–");
    assertThat(out.get(10).asText()).isEqualTo("MW");
    assertThat(out.get(11).asInt()).isEqualTo(1000);
    // A column whose largest figure is 512,000 kWh reads in MWh: 1,234.5 kWh is 1.2345 MWh, "1.23".
    assertThat(out.get(12).asText()).isEqualTo("1.23 MWh");
  }

  private static void awaitTrue(String expression) {
    await(expression)
        .atMost(Duration.ofSeconds(60))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(250))
        .until(() -> browser.evaluate(expression).asBoolean());
  }
}
