package io.kilowatch.web.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.web.WebServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /api/energy?scope=clusters}: the IT energy of every cluster in one answer, which the
 * overview orders its cluster cards by. Counters rise at a constant rate, so the hour's energy is
 * the rate × 1 h: c1 has PDUs at 100 and 50 kW (150 kWh), c2 one at 20 kW (20 kWh), c3 none.
 */
class ClusterEnergyTest {
  static final String SITE =
      """
      site: {name: clusters}
      store: {kind: embedded, dataDir: ./data}
      clusters:
        - id: c1
          racks:
            - id: c1-r1
              devices:
                - {id: pdu-a, kind: pdu, interval: 1m, source: {type: push, match: {m: pdu-a}, units: {energy_kwh: kWh}}}
                - {id: pdu-b, kind: pdu, interval: 1m, source: {type: push, match: {m: pdu-b}, units: {energy_kwh: kWh}}}
        - id: c2
          racks:
            - id: c2-r1
              devices:
                - {id: pdu-c, kind: pdu, interval: 1m, source: {type: push, match: {m: pdu-c}, units: {energy_kwh: kWh}}}
        - id: c3
          racks:
            - id: c3-r1
              devices:
                - {id: n1, kind: gpu-node, interval: 1m, source: {type: push, match: {m: n1}}}
      devices:
        - {id: fac, kind: meter, interval: 1m, source: {type: push, match: {m: fac}, units: {energy_kwh: kWh}}}
      energy:
        itLevel: pdu-output
        facility: [{device: fac}]
        it: [{kind: pdu}]
      """;

  static final Instant T0 = Instant.parse("2026-07-01T00:00:00Z");

  @TempDir Path dir;
  Store store;
  WebServer web;
  String base;

  @BeforeEach
  void start() throws Exception {
    Files.writeString(dir.resolve("site.yaml"), SITE);
    SiteConfig site = ConfigLoader.load(dir.resolve("site.yaml"));
    store = EmbeddedStore.open(site.store());
    var batch = new ArrayList<Sample>();
    var kw = Map.of("pdu-a", 100.0, "pdu-b", 50.0, "pdu-c", 20.0);
    for (int t = 0; t <= 3600; t += 60) {
      Instant at = T0.plusSeconds(t);
      for (var e : kw.entrySet()) {
        batch.add(
            Sample.of(
                at,
                "pdu",
                Map.of("device", e.getKey()),
                Map.of("energy_kwh", e.getValue() * t / 3600)));
      }
      batch.add(
          Sample.of(at, "meter", Map.of("device", "fac"), Map.of("energy_kwh", 200.0 * t / 3600)));
    }
    store.write(batch);
    web = new WebServer(site, store, List::of);
    web.start("127.0.0.1", 0);
    base = "http://127.0.0.1:" + web.port();
  }

  @AfterEach
  void stop() {
    web.stop();
    store.close();
  }

  @Test
  void everyClusterHasItsItEnergyInOneAnswerAsItsOwnScopeWouldSay() throws Exception {
    String window = "from=2026-07-01T00:00:00Z&to=2026-07-01T01:00:00Z&step=whole";
    JsonNode all = get("/api/energy?scope=clusters&" + window);
    JsonNode series = all.get("series");
    assertThat(series).hasSize(3);
    assertThat(series.get(0).get("name").asText()).isEqualTo("c1");
    assertThat(series.get(0).at("/steps/0/kwh").asDouble()).isCloseTo(150.0, within(1e-9));
    assertThat(series.get(1).get("name").asText()).isEqualTo("c2");
    assertThat(series.get(1).at("/steps/0/kwh").asDouble()).isCloseTo(20.0, within(1e-9));
    // c3 has no IT channel: no energy, not zero.
    assertThat(series.get(2).get("name").asText()).isEqualTo("c3");
    assertThat(series.get(2).at("/steps/0/kwh").isNull()).isTrue();
    // The same figure as asking for the one cluster.
    JsonNode c1 = get("/api/energy?scope=cluster&id=c1&" + window);
    assertThat(c1.at("/series/0/steps/0/kwh").asDouble())
        .isEqualTo(series.get(0).at("/steps/0/kwh").asDouble());
  }

  private JsonNode get(String path) throws Exception {
    var r =
        ApiUnitsTest.HTTP.send(
            HttpRequest.newBuilder(URI.create(base + path)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
    return ApiUnitsTest.JSON.readTree(r.body());
  }
}
