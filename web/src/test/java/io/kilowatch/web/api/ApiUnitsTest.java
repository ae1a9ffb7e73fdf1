package io.kilowatch.web.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.web.WebServer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The case: a facility meter that reports kW over Modbus and a CDU that reports kW. The
 * overview, {@code /metrics} and every series answer must show what the devices report (268.93 kW
 * is 268.93 kW, not 0.269), say the unit, convert on request and name a state point's state.
 */
class ApiUnitsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newHttpClient();

  static final String SITE =
      """
      site: {name: units}
      store: {kind: embedded, dataDir: ./data}
      profiles:
        - id: meter
          source: modbus
          addressBase: zero
          points:
            - {name: power, registerType: holding, address: 0, dataType: float32, unit: kW, field: power}
            - {name: leak, registerType: coil, address: 0, unit: "1", field: leak, states: {0: Dry, 1: Leak}}
        - id: cdu
          source: opcua
          points:
            - {name: power, nodeId: "ns=2;s=P", unit: kW, field: power}
            - {name: supply, nodeId: "ns=2;s=T", unit: K, measurement: cooling_loop, field: supply_temp}
      devices:
        - {id: fac, kind: meter, profile: meter, interval: 10s, source: {type: modbus, host: 127.0.0.1}}
        - {id: it, kind: meter, profile: meter, interval: 10s, source: {type: modbus, host: 127.0.0.1}}
        - {id: cdu1, kind: cdu, profile: cdu, interval: 10s, source: {type: opcua, endpoint: "opc.tcp://127.0.0.1:4840"}}
      energy:
        itLevel: it-input
        facility: [{device: fac, powerField: power}]
        it: [{device: it, powerField: power}]
        cooling: [{kind: cdu, powerField: power}]
      """;

  @TempDir Path dir;
  Store store;
  WebServer web;
  String base;

  @BeforeEach
  void start() throws Exception {
    Files.writeString(dir.resolve("site.yaml"), SITE);
    SiteConfig site = ConfigLoader.load(dir.resolve("site.yaml"));
    store = EmbeddedStore.open(site.store());
    // Twenty minutes of steady readings up to now, every 10 s.
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    var batch = new ArrayList<Sample>();
    for (int s = 20 * 60; s >= 0; s -= 10) {
      Instant t = now.minusSeconds(s);
      batch.add(sample(t, "meter", "fac", Map.of("power", 268.93, "leak", 1.0)));
      batch.add(sample(t, "meter", "it", Map.of("power", 200.0, "leak", 0.0)));
      batch.add(sample(t, "cdu", "cdu1", Map.of("power", 5.75)));
      batch.add(sample(t, "cooling_loop", "cdu1", Map.of("supply_temp", 303.15)));
    }
    store.write(batch);
    web = new WebServer(site, store, List::of);
    web.start("127.0.0.1", 0);
    base = "http://127.0.0.1:" + web.port();
  }

  static Sample sample(Instant t, String m, String device, Map<String, Double> fields) {
    return Sample.of(t, m, Map.of("site", "units", "device", device), fields);
  }

  @AfterEach
  void stop() {
    web.stop();
    store.close();
  }

  JsonNode get(String path) throws Exception {
    var r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(base + path)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  String text(String path) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create(base + path)).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  @Test
  void theOverviewAndMetricsShowAKilowattMeterInKilowattsAndWatts() throws Exception {
    var o = get("/api/overview?from=-15m&step=1m");
    assertThat(o.get("units").get("facilityEnergyKwh").asText()).isEqualTo("kWh");
    JsonNode facility = null;
    JsonNode cooling = null;
    for (JsonNode s : o.get("series")) {
      if (s.get("name").asText().equals("facility_power")) {
        facility = s;
      }
      if (s.get("name").asText().equals("cooling_power")) {
        cooling = s;
      }
    }
    assertThat(facility.get("unit").asText()).isEqualTo("kW");
    assertThat(facility.get("latest").get(1).asDouble()).isCloseTo(268.93, within(1e-6));
    assertThat(cooling.get("latest").get(1).asDouble()).isCloseTo(5.75, within(1e-9));
    String metrics = text("/metrics");
    assertThat(value(metrics, "kilowatch_site_power_watts{kind=\"facility\"}"))
        .isCloseTo(268_930, within(1e-3));
    assertThat(value(metrics, "kilowatch_site_power_watts{kind=\"cooling\"}"))
        .isCloseTo(5_750, within(1e-4));
  }

  private static double value(String exposition, String series) {
    return exposition
        .lines()
        .filter(l -> l.startsWith(series + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1).strip()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + series + " in\n" + exposition));
  }

  @Test
  void everySeriesSaysItsUnitAndConvertsOnRequest() throws Exception {
    var latest = get("/api/latest?measurement=meter&field=power&tags=device:fac");
    var s = latest.get("series").get(0);
    assertThat(s.get("value").asDouble()).isEqualTo(268.93);
    assertThat(s.get("unit").asText()).isEqualTo("kW");
    assertThat(s.get("ucum").asText()).isEqualTo("kW");
    assertThat(s.get("quantity").asText()).isEqualTo("power");

    var watts = get("/api/latest?measurement=meter&field=power&tags=device:fac&unit=W");
    assertThat(watts.get("series").get(0).get("value").asDouble()).isCloseTo(268_930, within(1e-6));
    assertThat(watts.get("series").get(0).get("unit").asText()).isEqualTo("W");

    // 303.15 K is 30 °C; asked in °F, 86 °F.
    var supply =
        get("/api/query?measurement=cooling_loop&field=supply_temp&from=-5m&unit=" + enc("degF"));
    var pts = supply.get("series").get(0).get("points");
    assertThat(pts.get(0).get(1).asDouble()).isCloseTo(86, within(1e-9));
    assertThat(supply.get("series").get(0).get("unit").asText()).isEqualTo("°F");

    // A unit of another quantity: the series cannot be shown in it, and says so.
    var wrong = get("/api/query?measurement=meter&field=power&from=-5m&unit=Cel");
    assertThat(wrong.get("series")).isEmpty();
    assertThat(wrong.get("skipped")).hasSize(2);

    var bad =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(base + "/api/query?measurement=meter&unit=kwatt"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("'kwatt' is no unit");
  }

  @Test
  void aStatePointShowsItsStatesName() throws Exception {
    var leak = get("/api/latest?measurement=meter&field=leak");
    var byDevice = new java.util.HashMap<String, JsonNode>();
    leak.get("series").forEach(s -> byDevice.put(s.get("tags").get("device").asText(), s));
    assertThat(byDevice.get("fac").get("state").asText()).isEqualTo("Leak");
    assertThat(byDevice.get("it").get("state").asText()).isEqualTo("Dry");
    assertThat(byDevice.get("fac").get("quantity").asText()).isEqualTo("state");
    assertThat(byDevice.get("fac").get("states").get("1").asText()).isEqualTo("Leak");
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Test
  void energyPueAndDevicesAnswersNameTheirUnits() throws Exception {
    var pue = get("/api/pue?from=-15m&step=whole");
    assertThat(pue.get("units").get("energy").asText()).isEqualTo("kWh");
    assertThat(get("/api/energy?scope=site&from=-15m&step=whole").get("unit").asText())
        .isEqualTo("kWh");
    assertThat(get("/api/carbon?from=-15m&step=whole").get("units").get("energy").asText())
        .isEqualTo("kWh");
    assertThat(get("/api/risk").get("units").get("score").asText()).isEqualTo("1");
    var series = get("/api/series?measurement=cooling_loop");
    assertThat(series.get("series").get(0).get("unit").asText()).isEqualTo("K");
  }
}
