package io.kilowatch.app.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kilowatch.app.Kilowatch;
import io.kilowatch.simulator.DemoOptions;
import io.kilowatch.simulator.DemoSite;
import io.kilowatch.testkit.Peer;
import io.kilowatch.testkit.RequiresPeer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a healthy demo polled every 5 s (its default), the overview's IT power and PUE and the cluster
 * page's IT power by rack are continuous once every device is up: no gap and no sampling dip.
 *
 * <p>A gap is a null point. A dip is what a step that missed one PDU's sample draws: a single step
 * more than 10 % below both neighbours while the neighbours agree within 5 %. The demo's physics
 * makes no such notch: a job's load changes over two 10 s steps or more (a 30–90 s ramp, a
 * checkpoint sloping 10 s down, 15–30 s at its floor and 10 s back, a 20–40 s wind-down before it
 * ends, simulator/README.md), so the line falls over two or more steps, and a step half inside a
 * change lies between its neighbours rather than below both (a rack has two PDUs, so a missed
 * sample halves the rack for one step and the neighbours stay level). Cooling faults are off: a
 * failing pump is a real dip, not the artefact looked for.
 */
@RequiresPeer(Peer.CHROMIUM)
class ContinuousChartsBrowserTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static final Duration POLL = DemoOptions.defaults().pollInterval();

  /** Each series of a chart as [[ms, value|null], ...], whatever form its points take. */
  static final String SERIES =
      """
      (id => {
        const c = echarts.getInstanceByDom(document.getElementById(id));
        if (!c) return {};
        const out = {};
        for (const s of c.getOption().series || []) {
          out[s.name] = (s.data || []).map(d => Array.isArray(d) ? d : d.value);
        }
        return out;
      })""";

  /**
   * The demo's energy registers hold the energy up to the instant they are read (SiteModel), so
   * what is left of sampling in a 10 s PUE step is the registers' whole watt-hours: each of the 24
   * PDUs' deltas (16 Modbus, 8 SNMP) is off by under 1 Wh, independently, so the IT sum stays
   * within about ±8 Wh (4 standard deviations of 24 triangular errors of ±1 Wh, variance 1/6 each)
   * of a step that holds at least 150 Wh (every GPU idle: 32 nodes of about 1.7 kW), some 5 % in
   * that corner and 3.6 % at the 80 kW the demo's jobs keep it above (SiteModelTest); the facility
   * meter's one delta is a few tenths of a percent. The physics moves PUE less: a rack's load swing
   * moves IT and facility by the same kilowatts, so PUE by the swing's share of IT times (1 - 1 /
   * PUE), under 1 % for a rack. A dip in PUE is therefore a step more than 5 % below both
   * neighbours (a missed sample at a step equal to the poll interval swung it by 20 %).
   */
  static final double PUE_DIP = 0.05;

  @TempDir static Path dir;
  static DemoInBrowser site;
  static DemoSite demo;
  static Kilowatch app;
  static Chromium browser;
  static String base;
  static long allUpMs;

  @BeforeAll
  static void start() throws Exception {
    site = DemoInBrowser.start(dir, DemoOptions.defaults().withCoolingFaults(false));
    demo = site.demo();
    app = site.app();
    browser = site.browser();
    base = site.base();
    await("every device up")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              JsonNode d = api("/api/health").get("devices");
              return d.get("byState").get("up").asInt() == d.get("total").asInt();
            });
    allUpMs = System.currentTimeMillis();
  }

  @AfterAll
  static void stop() {
    if (site != null) {
      site.close();
    }
  }

  static JsonNode api(String path) throws Exception {
    var r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }

  @Test
  void theSiteNeverAsksForAStepBelowTwiceThePollInterval() throws Exception {
    assertThat(api("/api/site").get("minStepSeconds").asLong()).isEqualTo(2 * POLL.toSeconds());
  }

  @Test
  void overviewItPowerAndPueAreContinuous() throws Exception {
    long stepMs = 2 * POLL.toMillis();
    var series = settledSeries("/", "chart-power", stepMs);
    assertContinuous("overview IT power", series.get("IT"), stepMs);
    var pue = settledSeries("/", "chart-pue", stepMs);
    assertContinuous("overview PUE", pue.get("PUE"), stepMs, PUE_DIP);
  }

  @Test
  void clusterItPowerByRackIsContinuous() throws Exception {
    long stepMs = 2 * POLL.toMillis();
    var racks = settledSeries("/cluster.html?id=c2", "chart-racks", stepMs);
    assertThat(racks.keySet()).containsExactly("c2-r1", "c2-r2", "c2-r3", "c2-r4");
    var total = new TreeMap<Long, Double>();
    for (var e : racks.entrySet()) {
      assertContinuous("rack " + e.getKey(), e.getValue(), stepMs);
      for (double[] p : e.getValue()) {
        total.merge((long) p[0], p[1], Double::sum);
      }
    }
    var sum = new ArrayList<double[]>();
    total.forEach((t, v) -> sum.add(new double[] {t, v}));
    assertContinuous("cluster c2 IT power (sum of racks)", sum, stepMs);
  }

  /**
   * The page's series once at least eight full steps after every device came up are drawn, each cut
   * to the steps that start a full step after that and end before the newest (still open) step.
   */
  private static Map<String, List<double[]>> settledSeries(String path, String chart, long stepMs)
      throws Exception {
    long settledFrom = allUpMs + stepMs;
    browser.navigate(base + path);
    var out = new TreeMap<String, List<double[]>>();
    await(path + " " + chart + " with eight settled steps")
        .atMost(Duration.ofSeconds(150))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              out.clear();
              JsonNode s = browser.evaluate(SERIES + "('" + chart + "')");
              int fewest = Integer.MAX_VALUE;
              var it = s.properties().iterator();
              while (it.hasNext()) {
                var e = it.next();
                var pts = new ArrayList<double[]>();
                JsonNode arr = e.getValue();
                for (int i = 0; i < arr.size() - 1; i++) {
                  JsonNode p = arr.get(i);
                  if (p.get(0).asLong() >= settledFrom) {
                    pts.add(
                        new double[] {
                          p.get(0).asLong(), p.get(1).isNull() ? Double.NaN : p.get(1).asDouble()
                        });
                  }
                }
                out.put(e.getKey(), pts);
                fewest = Math.min(fewest, pts.size());
              }
              return !out.isEmpty() && fewest >= 8;
            });
    return out;
  }

  private static void assertContinuous(String what, List<double[]> points, long stepMs) {
    assertContinuous(what, points, stepMs, 0.10);
  }

  /**
   * @param dip how far below both neighbours a step must lie to be a dip (0.10: below 90 %)
   */
  private static void assertContinuous(
      String what, List<double[]> points, long stepMs, double dip) {
    assertThat(points).as(what).isNotNull().hasSizeGreaterThanOrEqualTo(8);
    for (int i = 0; i < points.size(); i++) {
      double[] p = points.get(i);
      assertThat(Double.isNaN(p[1]))
          .as("%s: gap at %d in %s", what, (long) p[0], str(points))
          .isFalse();
      if (i > 0) {
        // A gap may also be a missing step: the points are one step apart.
        assertThat((long) (p[0] - points.get(i - 1)[0])).as("%s: spacing", what).isEqualTo(stepMs);
      }
    }
    for (int i = 1; i < points.size() - 1; i++) {
      double a = points.get(i - 1)[1];
      double v = points.get(i)[1];
      double b = points.get(i + 1)[1];
      boolean levelNeighbours = Math.abs(a - b) <= 0.05 * Math.max(a, b);
      boolean notch = v < (1 - dip) * a && v < (1 - dip) * b;
      assertThat(levelNeighbours && notch)
          .as(
              "%s: dip at %d (%.3f between %.3f and %.3f) in %s",
              what, (long) points.get(i)[0], v, a, b, str(points))
          .isFalse();
    }
  }

  private static String str(List<double[]> points) {
    var sb = new StringBuilder();
    for (double[] p : points) {
      sb.append(String.format("%d=%.3f ", (long) p[0], p[1]));
    }
    return sb.toString();
  }
}
