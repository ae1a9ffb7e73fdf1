package io.kilowatch.web.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.device.DeviceStatus;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import io.kilowatch.web.WebServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device kind is spelled as in the configuration ({@code meter}, {@code cdu}) in every answer:
 * /api/devices once said {@code METER} where /api/site said {@code meter}.
 */
class DeviceKindSpellingTest {
  @TempDir Path dir;
  Store store;
  WebServer web;
  String base;

  @BeforeEach
  void start() throws Exception {
    Files.writeString(dir.resolve("site.yaml"), ApiUnitsTest.SITE);
    SiteConfig site = ConfigLoader.load(dir.resolve("site.yaml"));
    store = EmbeddedStore.open(site.store());
    var statuses =
        List.of(
            status("fac", DeviceKind.METER),
            status("it", DeviceKind.METER),
            status("cdu1", DeviceKind.CDU));
    web = new WebServer(site, store, () -> statuses);
    web.start("127.0.0.1", 0);
    base = "http://127.0.0.1:" + web.port();
  }

  @AfterEach
  void stop() {
    web.stop();
    store.close();
  }

  @Test
  void everyAnswerSpellsAKindAsTheConfigurationDoes() throws Exception {
    for (String path : List.of("/api/devices", "/api/site", "/api/health")) {
      var kinds = new ArrayList<String>();
      collectKinds(get(path), kinds);
      assertThat(kinds).as(path).allSatisfy(k -> assertThat(k).isIn("meter", "cdu"));
      if (!path.equals("/api/health")) {
        // fac, it and cdu1, each under its configured kind.
        assertThat(kinds).as(path).containsExactlyInAnyOrder("meter", "meter", "cdu");
      }
    }
  }

  @Test
  void aTwoWordKindTakesTheConfigurationsDash() throws Exception {
    var json = ApiUnitsTest.JSON.copy().registerModule(WebServer.DEVICE_KINDS);
    assertThat(json.writeValueAsString(DeviceKind.GPU_NODE)).isEqualTo("\"gpu-node\"");
  }

  private static void collectKinds(JsonNode n, List<String> out) {
    if (n.isObject()) {
      n.properties()
          .forEach(
              e -> {
                if (e.getKey().equals("kind") && e.getValue().isTextual()) {
                  out.add(e.getValue().asText());
                } else {
                  collectKinds(e.getValue(), out);
                }
              });
    } else if (n.isArray()) {
      n.forEach(c -> collectKinds(c, out));
    }
  }

  private JsonNode get(String path) throws Exception {
    var r =
        ApiUnitsTest.HTTP.send(
            HttpRequest.newBuilder(URI.create(base + path)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
    return ApiUnitsTest.JSON.readTree(r.body());
  }

  private static DeviceStatus status(String id, DeviceKind kind) {
    return new DeviceStatus(
        id,
        kind,
        DeviceStatus.State.UP,
        Instant.now(),
        Instant.now(),
        null,
        0,
        Duration.ofMillis(3),
        Instant.now().plusSeconds(10),
        0,
        Map.of());
  }
}
