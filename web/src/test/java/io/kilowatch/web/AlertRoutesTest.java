package io.kilowatch.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kilowatch.alerts.AlertEngine;
import io.kilowatch.alerts.DeliveryOptions;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.Sample;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.testkit.site.SiteBuilder;
import io.kilowatch.testkit.site.YamlMaps;
import io.kilowatch.web.api.HashedTokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The alerts API over real HTTP: anyone reads, only an operator token changes silences. */
class AlertRoutesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final String OPERATOR = "op-token-1234";
  private static final String VIEWER = "view-token-5678";

  @TempDir Path dir;
  private EmbeddedStore store;
  private AlertEngine engine;
  private WebServer web;
  private String base;

  @BeforeEach
  void start() throws Exception {
    SiteConfig site =
        SiteBuilder.named("test-site")
            .store(YamlMaps.of("dataDir", dir.toString()))
            .alerts(
                YamlMaps.of(
                    "rules",
                    List.of(
                        YamlMaps.of(
                            "name", "supply-hot",
                            "measurement", "cooling_loop",
                            "field", "supply_temp_c",
                            "reduce", "last",
                            "threshold", 40,
                            "severity", "critical")),
                    "apiTokens",
                    List.of(
                        SiteBuilder.token("ops", HashedTokens.sha256(OPERATOR), "operator"),
                        SiteBuilder.token("wall", HashedTokens.sha256(VIEWER), "viewer"))))
            .toConfig(dir);
    store = EmbeddedStore.open(site.store());
    engine =
        AlertEngine.open(
            site, store, dir.resolve("alerts"), Clock.systemUTC(), DeliveryOptions.DEFAULT);
    web =
        new WebServer(
            site, store, List::of, null, io.kilowatch.web.ingest.IngestSink.direct(store), engine);
    web.start("127.0.0.1", 0);
    base = "http://127.0.0.1:" + web.port();
  }

  @AfterEach
  void stop() {
    if (web != null) {
      web.stop();
    }
    if (engine != null) {
      engine.close();
    }
    if (store != null) {
      store.close();
    }
  }

  private HttpResponse<String> send(String method, String path, String token, String body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(10))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void firingAlertIsListedAndAnOperatorSilenceMarksIt() throws Exception {
    Instant now = Instant.now();
    store.write(
        List.of(
            Sample.of(
                now,
                "cooling_loop",
                Map.of("device", "cdu-2", "cluster", "c2"),
                Map.of("supply_temp_c", 45.0))));
    engine.evaluate(now);
    JsonNode alerts = JSON.readTree(send("GET", "/api/alerts", null, null).body());
    assertThat(alerts.get("alerts")).hasSize(1);
    assertThat(alerts.get("alerts").get(0).get("state").asText()).isEqualTo("FIRING");
    assertThat(alerts.get("history").get(0).get("to").asText()).isEqualTo("FIRING");

    String silence =
        "{\"matchers\":[{\"name\":\"cluster\",\"value\":\"c2\"}],\"duration\":\"2h\",\"comment\":\"pump swap\"}";
    var created = send("POST", "/api/silences", OPERATOR, silence);
    assertThat(created.statusCode()).isEqualTo(201);
    String id = JSON.readTree(created.body()).get("id").asText();

    JsonNode after = JSON.readTree(send("GET", "/api/alerts", null, null).body());
    assertThat(after.get("alerts").get(0).get("silencedBy").get(0).asText()).isEqualTo(id);
    JsonNode list = JSON.readTree(send("GET", "/api/silences", null, null).body());
    assertThat(list.get(0).get("state").asText()).isEqualTo("active");
    assertThat(list.get(0).get("comment").asText()).isEqualTo("pump swap");

    assertThat(send("DELETE", "/api/silences/" + id, OPERATOR, null).statusCode()).isEqualTo(200);
    JsonNode ended = JSON.readTree(send("GET", "/api/silences", null, null).body());
    assertThat(ended.get(0).get("state").asText()).isEqualTo("expired");
    assertThat(send("DELETE", "/api/silences/nope", OPERATOR, null).statusCode()).isEqualTo(404);
  }

  @Test
  void changingSilencesNeedsAnOperatorToken() throws Exception {
    String silence = "{\"matchers\":[{\"name\":\"cluster\",\"value\":\"c2\"}],\"duration\":\"1h\"}";
    var none = send("POST", "/api/silences", null, silence);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate")).contains("Bearer");
    assertThat(send("POST", "/api/silences", "wrong", silence).statusCode()).isEqualTo(401);
    assertThat(send("POST", "/api/silences", VIEWER, silence).statusCode()).isEqualTo(403);
    assertThat(send("DELETE", "/api/silences/x", VIEWER, null).statusCode()).isEqualTo(403);
    var bad = send("POST", "/api/silences", OPERATOR, "{\"matchers\":[],\"duration\":\"1h\"}");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(bad.body()).get("parameter").asText()).isEqualTo("matchers");
    assertThat(JSON.readTree(send("GET", "/api/silences", null, null).body())).isEmpty();
  }
}
