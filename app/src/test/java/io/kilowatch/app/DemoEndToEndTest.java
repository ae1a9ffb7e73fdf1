package io.kilowatch.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.simulator.DemoOptions;
import io.kilowatch.simulator.DemoSite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole product path on loopback: simulated devices → real Modbus, OPC UA and HTTP collectors →
 * embedded store → API. If this passes, the quick-start demo shows real numbers.
 */
class DemoEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dataDir;
  static DemoSite demo;
  static Kilowatch app;
  static String base;
  static ApiPoller api;

  @BeforeAll
  static void startDemo() throws Exception {
    var d = DemoOptions.defaults();
    demo =
        DemoSite.start(
            new DemoOptions(
                Duration.ofSeconds(1), d.seed(), true, d.faultPeriod(), d.faultLength()));
    Path file = dataDir.resolve("demo-site.yaml");
    Files.writeString(file, DemoYaml.of(demo.siteYaml(), dataDir, 0));
    app = Kilowatch.start(ConfigLoader.load(file, DemoYaml.environment(demo)), 0);
    base = "http://127.0.0.1:" + app.port();
    api = new ApiPoller(base);
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
    if (demo != null) {
      demo.close();
    }
  }

  @Test
  void overviewShowsPlausiblePowerAndPueFromEnergy() throws Exception {
    JsonNode o =
        api.awaitJson(
            "/api/overview?from=-2m&step=5s",
            n -> ApiPoller.latest(n, "pue") != null && ApiPoller.latest(n, "it_power") != null,
            Duration.ofSeconds(60));
    double facilityKw = ApiPoller.latest(o, "facility_power");
    double itKw = ApiPoller.latest(o, "it_power");
    double pue = ApiPoller.latest(o, "pue");
    // 2 clusters × 4 racks × 4 nodes × 8 GPUs: between idle (~100 kW) and full load (~250 kW IT).
    assertThat(itKw).isBetween(50.0, 400.0);
    assertThat(facilityKw).isGreaterThan(itKw);
    assertThat(pue).isBetween(1.0, 2.0);
    assertThat(o.get("pueCategory").asInt()).isEqualTo(2);
  }

  @Test
  void healthCountsDevicesUp() throws Exception {
    JsonNode h =
        api.awaitJson(
            "/api/health",
            n -> n.at("/devices/byState/up").asInt() == n.at("/devices/total").asInt(),
            Duration.ofSeconds(30));
    // 16 Modbus PDUs + 8 SNMP PDUs + 32 GPU nodes + 2 CDUs + 2 facility meters
    assertThat(h.at("/devices/total").asInt()).isEqualTo(60);
    assertThat(h.get("status").asText()).isEqualTo("ok");
  }

  @Test
  void queryReturnsPduPowerFromModbusAndLoopTemperaturesFromOpcUa() throws Exception {
    JsonNode pdu =
        api.awaitJson(
            "/api/query?measurement=pdu&field=power_w&tags=device:c1-r1-pdu-a&from=-5m",
            n -> n.get("series").size() > 0 && n.at("/series/0/points").size() > 0,
            Duration.ofSeconds(30));
    JsonNode total = null;
    for (JsonNode s : pdu.get("series")) {
      if (!s.get("tags").has("phase")) {
        total = s;
      }
    }
    assertThat(total).as("total (non-phase) series").isNotNull();
    assertThat(total.at("/points/0/1").asDouble()).isGreaterThan(1000.0);
    assertThat(total.at("/points/0/2").asText()).isEqualTo("good");

    JsonNode loop =
        api.awaitJson(
            "/api/query?measurement=cooling_loop&field=supply_temp_c&tags=cluster:c2&from=-5m&step=5s&aggregate=max",
            n -> n.get("series").size() > 0 && n.at("/series/0/points").size() > 0,
            Duration.ofSeconds(30));
    assertThat(loop.at("/series/0/points/0/1").asDouble()).isBetween(15.0, 60.0);

    JsonNode gpus =
        api.awaitJson(
            "/api/series?measurement=gpu&field=temp_c",
            n -> n.get("series").size() >= 256,
            Duration.ofSeconds(30));
    assertThat(gpus.get("series").size()).isEqualTo(256);
  }

  @Test
  void snmpPduTotalAndOutletsAreStored() throws Exception {
    // Feed C of rack c1-r1: a Raritan PDU read over SNMP, its total apart from its 4 outlets.
    JsonNode pdu =
        api.awaitJson(
            "/api/query?measurement=pdu&field=power_w&tags=device:c1-r1-pdu-c&from=-5m",
            n -> n.get("series").size() > 0 && n.at("/series/0/points").size() > 0,
            Duration.ofSeconds(30));
    assertThat(pdu.get("series").size()).isEqualTo(1);
    assertThat(pdu.at("/series/0/points/0/1").asDouble()).isGreaterThan(100.0);
    assertThat(pdu.at("/series/0/points/0/2").asText()).isEqualTo("good");
    JsonNode outlets =
        api.awaitJson(
            "/api/series?measurement=pdu_outlet&field=power_w",
            n -> n.get("series").size() >= 32,
            Duration.ofSeconds(30));
    // 8 SNMP PDUs of 4 outlets each.
    assertThat(outlets.get("series").size()).isEqualTo(32);
  }

  @Test
  void dashboardAndChartLibraryAreServed() throws Exception {
    var page = api.get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("/webjars/echarts/5.5.0/echarts.min.js", "app.js");
    var lib = api.get("/webjars/echarts/5.5.0/echarts.min.js");
    assertThat(lib.statusCode()).isEqualTo(200);
    assertThat(lib.body().length()).isGreaterThan(100_000);
  }

  @Test
  void badParametersAre400WithTheParameterNamed() throws Exception {
    assertBadRequest("/api/query?field=power_w", "measurement");
    assertBadRequest("/api/query?measurement=pdu&from=-1h&to=-2h", "from");
    assertBadRequest("/api/query?measurement=pdu&from=yesterday", "from");
    assertBadRequest("/api/query?measurement=pdu&from=-30d&step=1s", "step");
    assertBadRequest("/api/query?measurement=pdu&step=-5s", "step");
    assertBadRequest("/api/query?measurement=pdu&step=5s&aggregate=median", "aggregate");
    assertBadRequest("/api/query?measurement=pdu&tags=nocolon", "tags");
  }

  @Test
  void openApiDescribesExactlyTheServedRoutes() throws Exception {
    JsonNode doc = JSON.readTree(api.get("/api/openapi.json").body());
    var described = new java.util.TreeSet<String>();
    doc.get("paths")
        .properties()
        .forEach(
            e ->
                e.getValue()
                    .fieldNames()
                    .forEachRemaining(
                        m ->
                            described.add(
                                m.toUpperCase(java.util.Locale.ROOT) + " " + e.getKey())));
    var served = new java.util.TreeSet<String>();
    for (String r : app.routes()) {
      if (r.matches("(GET|POST|PUT|PATCH|DELETE) .*")) {
        served.add(r);
      }
    }
    assertThat(described).isEqualTo(served);
  }

  @Test
  void metricsExposeDeviceHealthAndSiteKpisInPrometheusFormat() throws Exception {
    api.awaitJson(
        "/api/overview?from=-2m&step=5s",
        n -> ApiPoller.latest(n, "pue") != null,
        Duration.ofSeconds(60));
    var r = api.get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
    assertThat(r.body())
        .contains("# TYPE kilowatch_device_up gauge")
        .containsPattern("kilowatch_device_up\\{device=\"main-meter\",kind=\"meter\"} 1")
        // The demo's CDU subscription is polled far within its inbox cap: nothing dropped.
        .containsPattern(
            "kilowatch_device_dropped_values_total\\{device=\"[^\"]+\",kind=\"cdu\"} 0")
        .contains("kilowatch_samples_written_total ")
        .containsPattern("kilowatch_site_power_watts\\{kind=\"it\"} \\d+");
  }

  @Test
  void everyAnswerCarriesSecurityHeaders() throws Exception {
    for (String path : List.of("/", "/api/health", "/app.js")) {
      var r = api.get(path);
      assertThat(r.headers().firstValue("content-security-policy").orElse(""))
          .as(path)
          .contains("script-src 'self'")
          .contains("frame-ancestors 'none'")
          .doesNotContain("unsafe-eval");
      assertThat(r.headers().firstValue("x-content-type-options")).as(path).hasValue("nosniff");
    }
  }

  @Test
  void latestReturnsTheNewestReadingWithItsAge() throws Exception {
    JsonNode l =
        api.awaitJson(
            "/api/latest?measurement=meter&field=power_w&tags=device:main-meter",
            n -> n.get("series").size() == 1,
            Duration.ofSeconds(30));
    assertThat(l.at("/series/0/value").asDouble()).isGreaterThan(50_000);
    assertThat(l.at("/series/0/ageSeconds").asDouble()).isBetween(0.0, 10.0);
    assertThat(l.at("/series/0/quality").asText()).isEqualTo("good");
    assertBadRequest("/api/latest?measurement=meter&window=30d", "window");
  }

  private static void assertBadRequest(String path, String parameter) throws Exception {
    var r = api.get(path);
    assertThat(r.statusCode()).as(path).isEqualTo(400);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("parameter").asText()).as(path).isEqualTo(parameter);
    assertThat(body.get("error").asText()).isNotBlank();
  }
}
