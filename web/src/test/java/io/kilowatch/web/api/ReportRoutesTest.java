package io.kilowatch.web.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.EnergyModel;
import io.kilowatch.config.EnergyModel.Channel;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /api/reports} on a real server: the file in each format, and 400s. */
class ReportRoutesTest {
  static final Instant T0 = Instant.parse("2026-07-01T00:00:00Z");
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir Path dir;
  Store store;
  WebServer web;
  String base;

  @BeforeEach
  void start() {
    store = EmbeddedStore.open(StoreConfig.embedded(dir));
    var site =
        io.kilowatch.testkit.TestSites.withMeterProfile(
            new SiteConfig(
                null,
                new Site("t", ZoneOffset.UTC, null, null),
                StoreConfig.embedded(dir),
                WebConfig.DEFAULT,
                List.of(),
                List.of(),
                List.of(device("main", DeviceKind.METER), device("pdu", DeviceKind.PDU)),
                new EnergyModel(
                    EnergyModel.ItLevel.PDU_OUTPUT,
                    List.of(new Channel("main", null, null, "energy_kwh", "power_w")),
                    List.of(new Channel("pdu", null, null, "energy_kwh", "power_w")),
                    List.of(),
                    List.of(),
                    List.of())));
    var batch = new ArrayList<Sample>();
    for (int t = 0; t <= 7200; t += 60) {
      Instant at = T0.plusSeconds(t);
      batch.add(
          Sample.of(at, "meter", Map.of("device", "main"), Map.of("energy_kwh", 130 * t / 3600.0)));
      batch.add(
          Sample.of(at, "pdu", Map.of("device", "pdu"), Map.of("energy_kwh", 100 * t / 3600.0)));
    }
    store.write(batch);
    web = new WebServer(site, store, List::of);
    web.start("127.0.0.1", 0);
    base = "http://127.0.0.1:" + web.port();
  }

  private static Device device(String id, DeviceKind kind) {
    return new Device(
        id,
        kind,
        Location.FACILITY,
        null,
        new Source.Modbus("127.0.0.1", 502, 1),
        Duration.ofSeconds(60),
        Duration.ofSeconds(2),
        Map.of());
  }

  @AfterEach
  void stop() {
    web.stop();
    store.close();
  }

  private HttpResponse<byte[]> get(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void reportsComeAsCsvJsonHtmlAndPdfDownloads() throws Exception {
    // Two hours: E_DC 130 kWh/h, E_IT 100 kWh/h → 260 and 200 kWh, PUE 1.3
    String q = "/api/reports?from=2026-07-01T00:00:00Z&to=2026-07-01T02:00:00Z&format=";
    var csv = get(q + "csv");
    assertThat(csv.statusCode()).isEqualTo(200);
    assertThat(csv.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
    assertThat(csv.headers().firstValue("Content-Disposition").orElse(""))
        .contains("attachment")
        .contains(".csv");
    String text = new String(csv.body(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(text)
        .startsWith("section,scope,field,value,unit,basis,label\n")
        .contains("headline,site,e_dc,260.000000000,kWh,measured,")
        .contains("headline,site,e_it,200.000000000,kWh,measured,")
        .contains("headline,site,pue,1.300000000000,,computed,");
    // The same data gives the same bytes.
    assertThat(get(q + "csv").body()).isEqualTo(csv.body());
    var json = JSON.readTree(get(q + "json").body());
    assertThat(json.get("schema").asText()).isEqualTo("kilowatch-report/1");
    var pdf = get(q + "pdf");
    assertThat(pdf.statusCode()).isEqualTo(200);
    assertThat(new String(pdf.body(), 0, 5, java.nio.charset.StandardCharsets.US_ASCII))
        .isEqualTo("%PDF-");
    var html = new String(get(q + "html").body(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(html).contains("<svg").contains("260.000");
  }

  @Test
  void badParametersAreNamedIn400s() throws Exception {
    var r = get("/api/reports?from=2026-07-01&to=2026-07-02&format=docx");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).get("parameter").asText()).isEqualTo("format");
    r = get("/api/reports?from=2026-07-02&to=2026-07-01");
    assertThat(r.statusCode()).isEqualTo(400);
    r = get("/api/reports?to=2026-07-01");
    assertThat(JSON.readTree(r.body()).get("parameter").asText()).isEqualTo("from");
  }
}
