package io.kilowatch.web.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.device.DeviceStatus;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
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
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The site of {@link ApiUnitsTest} with the IT meter missing: the facility meter reports, the IT
 * meter reported for a while and then went quiet. A PUE, and the energies it divides, is null where
 * an input is missing, never 0.0; a value from a device that is down or has gone quiet is stale and
 * says why; a BAD value says why.
 */
class StaleAndMissingTest {
  @TempDir Path dir;
  Store store;
  WebServer web;
  String base;
  final List<DeviceStatus> statuses = new CopyOnWriteArrayList<>();
  Instant now;

  @BeforeEach
  void start() throws Exception {
    Files.writeString(dir.resolve("site.yaml"), ApiUnitsTest.SITE);
    SiteConfig site = ConfigLoader.load(dir.resolve("site.yaml"));
    store = EmbeddedStore.open(site.store());
    now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    var batch = new ArrayList<Sample>();
    // Facility every 10 s for 20 min up to now. The IT meter only from 60 to 40 min ago: nothing
    // in the last 30 minutes, the overview's default window.
    for (int s = 20 * 60; s >= 0; s -= 10) {
      batch.add(ApiUnitsTest.sample(now.minusSeconds(s), "meter", "fac", Map.of("power", 268.93)));
    }
    for (int s = 60 * 60; s >= 40 * 60; s -= 10) {
      batch.add(ApiUnitsTest.sample(now.minusSeconds(s), "meter", "it", Map.of("power", 200.0)));
    }
    // The CDU's last poll: its supply temperature refused.
    batch.add(
        new Sample(
            now,
            "cooling_loop",
            new TreeMap<>(Map.of("site", "units", "device", "cdu1")),
            new TreeMap<>(Map.of("supply_temp", Double.NaN)),
            Quality.BAD));
    store.write(batch);
    web = new WebServer(site, store, () -> List.copyOf(statuses));
    web.start("127.0.0.1", 0);
    base = "http://127.0.0.1:" + web.port();
  }

  @AfterEach
  void stop() {
    web.stop();
    store.close();
  }

  JsonNode get(String path) throws Exception {
    var r =
        ApiUnitsTest.HTTP.send(
            HttpRequest.newBuilder(URI.create(base + path)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
    return ApiUnitsTest.JSON.readTree(r.body());
  }

  private static DeviceStatus status(String id, DeviceStatus.State state, Map<String, String> bad) {
    return new DeviceStatus(
        id,
        DeviceKind.METER,
        state,
        Instant.parse("2026-01-01T00:00:00Z"),
        Instant.now(),
        state == DeviceStatus.State.DOWN ? "connection refused" : null,
        state == DeviceStatus.State.DOWN ? 4 : 0,
        Duration.ofMillis(3),
        Instant.now().plusSeconds(10),
        0,
        bad);
  }

  @Test
  void overviewPueAndItsEnergiesAreNullWhereTheItInputIsMissing() throws Exception {
    var o = get("/api/overview?from=-15m&step=1m");
    assertThat(o.get("windowPue").isNull()).as(o.toString()).isTrue();
    assertThat(o.get("pueStatus").asText()).isEqualTo("NO_IT_ENERGY");
    // No time where facility and IT are both known: nothing was divided.
    assertThat(o.get("facilityEnergyKwh").isNull()).as(o.toString()).isTrue();
    assertThat(o.get("itEnergyKwh").isNull()).as(o.toString()).isTrue();
    for (JsonNode s : o.get("series")) {
      if (s.get("name").asText().equals("pue")) {
        assertThat(s.get("latest").isNull()).isTrue();
        assertThat(s.get("points")).allSatisfy(p -> assertThat(p.get(1).isNull()).isTrue());
      }
    }
    // And the same as /api/pue says for the same window.
    var pue = get("/api/pue?from=-15m&step=whole");
    assertThat(pue.at("/window/pue").isNull()).isTrue();
    assertThat(pue.at("/window/status").asText()).isEqualTo("NO_IT_ENERGY");
  }

  @Test
  void aValueOfADeviceThatIsDownIsStaleWithTheDeviceStateAndWhy() throws Exception {
    statuses.add(status("fac", DeviceStatus.State.DOWN, Map.of()));
    var s = get("/api/latest?measurement=meter&field=power&tags=device:fac").at("/series/0");

    assertThat(s.get("quality").asText()).isEqualTo("stale");
    assertThat(s.get("readingQuality").asText()).isEqualTo("good");
    assertThat(s.get("deviceState").asText()).isEqualTo("down");
    assertThat(s.get("reason").asText())
        .isEqualTo("device down (last read 2026-01-01T00:00:00Z): connection refused");
    assertThat(s.get("value").asDouble()).isEqualTo(268.93);
  }

  @Test
  void aValueOlderThanThreeIntervalsIsStaleEvenWithoutAStatus() throws Exception {
    // No instance here polls the IT meter (as on a dashboard-only shard): its age says it all.
    var s =
        get("/api/latest?measurement=meter&field=power&tags=device:it&window=1h").at("/series/0");

    assertThat(s.get("quality").asText()).isEqualTo("stale");
    assertThat(s.get("deviceState").isNull()).isTrue();
    assertThat(s.get("reason").asText())
        .startsWith("no reading for 24")
        .endsWith(" (the device is read every 10 s)");
    // The facility meter read 0 s ago is current and good, with no reason.
    var fac = get("/api/latest?measurement=meter&field=power&tags=device:fac").at("/series/0");
    assertThat(fac.get("quality").asText()).isEqualTo("good");
    assertThat(fac.get("reason").isNull()).isTrue();
  }

  @Test
  void aBadValueCarriesTheCollectorsReasonOnLatestAndDevices() throws Exception {
    String why = "Bad_NodeIdUnknown: ns=2;s=T not on the server";
    statuses.add(status("cdu1", DeviceStatus.State.UP, Map.of("supply", why)));

    var s =
        get("/api/latest?measurement=cooling_loop&field=supply_temp&tags=device:cdu1")
            .at("/series/0");
    assertThat(s.get("quality").asText()).isEqualTo("bad");
    assertThat(s.get("value").isNull()).isTrue();
    assertThat(s.get("reason").asText()).isEqualTo(why);
    assertThat(s.get("deviceState").asText()).isEqualTo("up");

    var points = get("/api/devices").at("/devices/0/points");
    // The one device's own answer carries the same points.
    assertThat(get("/api/devices/cdu1").get("points")).isEqualTo(points);
    var byName = new java.util.HashMap<String, JsonNode>();
    points.forEach(p -> byName.put(p.get("name").asText(), p));
    assertThat(byName.get("supply").get("state").asText()).isEqualTo("bad");
    assertThat(byName.get("supply").get("reason").asText()).isEqualTo(why);
    assertThat(byName.get("power").get("state").asText()).isEqualTo("good");
  }
}
