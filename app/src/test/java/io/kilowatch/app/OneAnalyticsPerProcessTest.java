package io.kilowatch.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.YamlTree;
import io.kilowatch.testkit.http.CarbonIntensityApi;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running instance builds its analytics once: the API, the KPI job and reports share one
 * carbon-intensity cache, so a (possibly paid) intensity API is asked once per refresh, however
 * many of them need the same hours.
 */
class OneAnalyticsPerProcessTest {
  @TempDir Path dir;

  @Test
  void carbonIntensityIsFetchedOnceForTheApiTheKpiJobAndAReport() throws Exception {
    try (var intensity = new CarbonIntensityApi()) {
      var site =
          Map.of(
              "site", Map.of("name", "Hall", "gridZone", CarbonIntensityApi.ZONE),
              "store", Map.of("dataDir", dir.resolve("data").toString()),
              "web", Map.of("bind", "127.0.0.1", "port", 0),
              "profiles",
                  List.of(
                      Map.of(
                          "id",
                          "meter-profile",
                          "source",
                          "modbus",
                          "addressBase",
                          "zero",
                          "points",
                          List.of(
                              Map.of(
                                  "name", "energy",
                                  "registerType", "holding",
                                  "address", 0,
                                  "dataType", "uint32",
                                  "unit", "kWh",
                                  "kind", "counter",
                                  "field", "energy_kwh")))),
              "clusters",
                  List.of(
                      Map.of(
                          "id",
                          "c1",
                          "racks",
                          List.of(
                              Map.of(
                                  "id",
                                  "r1",
                                  "devices",
                                  List.of(
                                      meter("main-meter", "meter", 1),
                                      meter("r1-pdu", "pdu", 2)))))),
              "energy",
                  Map.of(
                      "itLevel", "pdu-output",
                      "facility", List.of(Map.of("device", "main-meter")),
                      "it", List.of(Map.of("kind", "pdu"))),
              "analytics",
                  Map.of(
                      "carbon",
                      Map.of(
                          "source",
                          Map.of(
                              "type",
                              "electricity-maps",
                              "baseUrl",
                              intensity.baseUrl().toString()))));
      Path file = dir.resolve("site.yaml");
      Files.writeString(file, YamlTree.emit(site));

      try (var app = Kilowatch.start(ConfigLoader.load(file), 0)) {
        var http = HttpClient.newHttpClient();
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
        String range = "from=" + hour.minus(3, ChronoUnit.HOURS) + "&to=" + hour;
        for (String path :
            List.of(
                "/api/carbon?" + range + "&step=1h",
                "/api/reports?" + range + "&format=json",
                "/api/carbon?" + range + "&step=whole")) {
          var r =
              http.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          assertThat(r.statusCode()).as(path).isEqualTo(200);
        }
      }
      assertThat(intensity.served()).as("intensity API calls").isEqualTo(1);
    }
  }

  /** A meter nobody answers for: its energy is unknown, which does not stop carbon from asking. */
  private static Map<String, Object> meter(String id, String kind, int unit) {
    return Map.of(
        "id",
        id,
        "kind",
        kind,
        "source",
        Map.of("type", "modbus", "host", "127.0.0.1", "port", 1, "unitId", unit),
        "profile",
        "meter-profile");
  }
}
