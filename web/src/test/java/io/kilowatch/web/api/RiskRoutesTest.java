package io.kilowatch.web.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Location;
import io.kilowatch.config.Site;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.config.StoreConfig;
import io.kilowatch.config.WebConfig;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.web.WebServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /api/risk} for one cluster, a margin per GPU, clusters only, and the report reused within
 * the shortest poll interval. GPUs (slowdown threshold 87 °C, three steady readings in the last
 * minute):
 *
 * <ul>
 *   <li>c1, rack c1-r1: n1/gpu0 at 80 °C (7 K), n1/gpu1 at 60 °C (27 K); rack c1-r2: n2/gpu0 at 85
 *       °C (2 K: 40 × (15 − 2) / 15 = 34.7 points, watch; 7 K is 21.3 points, ok)
 *   <li>c2, rack c2-r1: n3/gpu0 at 70 °C and no threshold: no margin, NO_THRESHOLD
 * </ul>
 */
class RiskRoutesTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir Path dir;
  Store store;
  WebServer web;
  String base;
  Instant now;

  @BeforeEach
  void start() {
    store = EmbeddedStore.open(StoreConfig.embedded(dir));
    // One device polled every 10 min: a report stays current for 10 min (no reading comes sooner).
    var site =
        io.kilowatch.testkit.TestSites.withMeterProfile(
            new SiteConfig(
                null,
                new Site("t", ZoneOffset.UTC, null, null),
                StoreConfig.embedded(dir),
                WebConfig.DEFAULT,
                List.of(),
                List.of(),
                List.of(
                    new Device(
                        "main",
                        DeviceKind.METER,
                        Location.FACILITY,
                        null,
                        new Source.Modbus("127.0.0.1", 502, 1),
                        Duration.ofMinutes(10),
                        Duration.ofSeconds(2),
                        Map.of())),
                null));
    now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    var batch = new ArrayList<Sample>();
    for (int ago : new int[] {50, 30, 10}) {
      Instant at = now.minusSeconds(ago);
      batch.add(gpu(at, "c1", "c1-r1", "n1", "0", 80.0, 87.0));
      batch.add(gpu(at, "c1", "c1-r1", "n1", "1", 60.0, 87.0));
      batch.add(gpu(at, "c1", "c1-r2", "n2", "0", 85.0, 87.0));
      batch.add(gpu(at, "c2", "c2-r1", "n3", "0", 70.0, null));
    }
    store.write(batch);
    web = new WebServer(site, store, List::of);
    web.start("127.0.0.1", 0);
    base = "http://127.0.0.1:" + web.port();
  }

  private static Sample gpu(
      Instant at, String cluster, String rack, String node, String gpu, double temp, Double limit) {
    var fields = new HashMap<String, Double>();
    fields.put("temp_c", temp);
    if (limit != null) {
      fields.put("slowdown_temp_c", limit);
    }
    return Sample.of(
        at,
        "gpu",
        Map.of("cluster", cluster, "rack", rack, "device", node, "gpu", gpu),
        Map.copyOf(fields));
  }

  @AfterEach
  void stop() {
    web.stop();
    store.close();
  }

  @Test
  void oneClusterWithAMarginPerGpuAndItsLowestPerScope() throws Exception {
    JsonNode r = get("/api/risk?cluster=c1&detail=margins");
    assertThat(r.get("clusters")).hasSize(1);
    assertThat(r.at("/clusters/0/id").asText()).isEqualTo("c1");
    assertThat(r.at("/clusters/0/level").asText()).isEqualTo("WATCH");
    assertThat(r.get("racks").findValuesAsText("id")).containsExactlyInAnyOrder("c1-r1", "c1-r2");
    assertThat(r.get("gpuCount").asInt()).isEqualTo(3);
    assertThat(r.at("/units/margin").asText()).isEqualTo("K");
    var margins = new HashMap<String, String>();
    for (JsonNode row : r.get("margins")) {
      margins.put(row.get(0).asText(), row.get(1).asText() + " " + row.get(2).asDouble());
    }
    assertThat(margins)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "n1/gpu0", "c1-r1 7.0",
                "n1/gpu1", "c1-r1 27.0",
                "n2/gpu0", "c1-r2 2.0"));
    assertThat(r.at("/lowestMargins/cluster/c1/gpu").asText()).isEqualTo("n2/gpu0");
    assertThat(r.at("/lowestMargins/cluster/c1/k").asDouble()).isEqualTo(2.0);
    assertThat(r.at("/lowestMargins/rack/c1-r1/gpu").asText()).isEqualTo("n1/gpu0");
    assertThat(r.at("/lowestMargins/rack/c1-r1/k").asDouble()).isEqualTo(7.0);
    assertThat(r.at("/lowestMargins/rack/c1-r2/k").asDouble()).isEqualTo(2.0);
    assertThat(r.get("noMargin").size()).isZero();
    // The riskiest GPUs that are not ok: only n2/gpu0 (34.7 points).
    assertThat(r.get("gpus").findValuesAsText("id")).containsExactly("n2/gpu0");
  }

  @Test
  void aClusterWhoseGpusSendNoThresholdSaysSoAndHasNoMargins() throws Exception {
    JsonNode r = get("/api/risk?cluster=c2&detail=margins");
    assertThat(r.get("gpuCount").asInt()).isEqualTo(1);
    assertThat(r.get("margins")).isEmpty();
    assertThat(r.at("/noMargin/NO_THRESHOLD").asInt()).isEqualTo(1);
    assertThat(r.at("/lowestMargins/cluster").size()).isZero();
    // Every GPU with its factors: the one of c2 says why it has no margin.
    JsonNode all = get("/api/risk?cluster=c2&detail=gpus");
    assertThat(all.at("/gpus/0/noMargin").asText()).isEqualTo("NO_THRESHOLD");
  }

  /** Site-wide, the summary lists the one rack that is not ok (c1-r2) and counts all three. */
  @Test
  void theSiteWideSummaryListsTheRacksThatAreNotOk() throws Exception {
    JsonNode r = get("/api/risk");
    assertThat(r.get("racks").findValuesAsText("id")).containsExactly("c1-r2");
    assertThat(r.get("rackCount").asInt()).isEqualTo(3);
    assertThat(r.get("clusters").findValuesAsText("id")).containsExactly("c1", "c2");
    JsonNode one = get("/api/risk?cluster=c1");
    assertThat(one.get("racks").findValuesAsText("id")).containsExactlyInAnyOrder("c1-r1", "c1-r2");
  }

  /**
   * 52 more racks in c9, each with one GPU at 85 °C (2 K: watch), rack x52's at 87 °C (0 K:
   * critical): 53 racks not ok, of which the summary lists 50, the critical one first; rackCount
   * counts all 3 + 52 = 55.
   */
  @Test
  void theSiteWideSummaryListsAtMost50Racks() throws Exception {
    var batch = new ArrayList<Sample>();
    for (int x = 1; x <= 52; x++) {
      for (int ago : new int[] {50, 30, 10}) {
        batch.add(
            gpu(now.minusSeconds(ago), "c9", "x" + x, "m" + x, "0", x == 52 ? 87.0 : 85.0, 87.0));
      }
    }
    store.write(batch);
    JsonNode r = get("/api/risk?at=" + now);
    assertThat(r.get("racks")).hasSize(50);
    assertThat(r.at("/racks/0/id").asText()).isEqualTo("x52");
    assertThat(r.at("/racks/0/level").asText()).isEqualTo("CRITICAL");
    assertThat(r.get("rackCount").asInt()).isEqualTo(55);
  }

  @Test
  void clustersOnlyForTheOverview() throws Exception {
    JsonNode r = get("/api/risk?detail=clusters");
    assertThat(r.get("clusters").findValuesAsText("id")).containsExactly("c1", "c2");
    assertThat(r.get("racks")).isEmpty();
    assertThat(r.get("gpus")).isEmpty();
    assertThat(r.get("gpuCount").asInt()).isEqualTo(4);
    assertThat(r.at("/lowestMargins/cluster/c1/k").asDouble()).isEqualTo(2.0);
    assertThat(r.at("/lowestMargins/cluster").has("c2")).isFalse();
    assertThat(r.at("/noMargin/NO_THRESHOLD").asInt()).isEqualTo(1);
    // A GPU with a margin has no noMargin key at all.
    JsonNode gpus = get("/api/risk?cluster=c1&detail=gpus");
    assertThat(gpus.at("/gpus/0").has("noMargin")).isFalse();
    var bad =
        HTTP.send(request("/api/risk?detail=everything"), HttpResponse.BodyHandlers.ofString());
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("detail");
  }

  /**
   * Within the shortest poll interval (10 min here) a request without {@code at} is answered from
   * the report already assessed: a reading written since does not show until the report is assessed
   * again, while a request with {@code at} is assessed afresh.
   */
  @Test
  void aReportIsReusedWithinThePollIntervalAndAnExplicitTimeIsAssessedAfresh() throws Exception {
    JsonNode first = get("/api/risk?cluster=c1&detail=margins");
    store.write(List.of(gpu(now.plusSeconds(1), "c1", "c1-r2", "n2", "0", 87.0, 87.0)));
    JsonNode second = get("/api/risk?cluster=c1&detail=margins");
    assertThat(second.get("at").asText()).isEqualTo(first.get("at").asText());
    assertThat(second.at("/lowestMargins/cluster/c1/k").asDouble()).isEqualTo(2.0);
    // At now + 2 s the newest reading of n2/gpu0 is 87 °C at its 87 °C threshold: 0 K.
    JsonNode fresh = get("/api/risk?cluster=c1&detail=margins&at=" + now.plusSeconds(2).toString());
    assertThat(fresh.at("/lowestMargins/cluster/c1/k").asDouble()).isEqualTo(0.0);
    assertThat(fresh.at("/clusters/0/level").asText()).isEqualTo("CRITICAL");
  }

  private HttpRequest request(String path) {
    return HttpRequest.newBuilder(URI.create(base + path)).GET().build();
  }

  private JsonNode get(String path) throws Exception {
    var r = HTTP.send(request(path), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }
}
