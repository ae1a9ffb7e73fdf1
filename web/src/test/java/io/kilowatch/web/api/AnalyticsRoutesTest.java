package io.kilowatch.web.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The analytics endpoints on a real server: units, category, coverage, and 400s. */
class AnalyticsRoutesTest {
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

  @Test
  void aSiteWithoutAnEnergyModelShowsPowerDevicesAndRiskAndSaysPueIsNotConfigured()
      throws Exception {
    web.stop();
    var bare =
        io.kilowatch.testkit.TestSites.withMeterProfile(
            new SiteConfig(
                null,
                new Site("bare", ZoneOffset.UTC, null, null),
                StoreConfig.embedded(dir),
                WebConfig.DEFAULT,
                List.of(),
                List.of(),
                List.of(device("main", DeviceKind.METER)),
                null));
    web = new WebServer(bare, store, List::of);
    web.start("127.0.0.1", 0);
    base = "http://127.0.0.1:" + web.port();
    var o = get("/api/overview?from=2026-07-01T00:00:00Z&to=2026-07-01T02:00:00Z&step=1h");
    assertThat(o.statusCode()).as(o.body()).isEqualTo(200);
    assertThat(JSON.readTree(o.body()).get("pueStatus").asText()).isEqualTo("NOT_CONFIGURED");
    var pue = get("/api/pue?from=2026-07-01T00:00:00Z&to=2026-07-01T02:00:00Z&step=1h");
    assertThat(pue.statusCode()).as(pue.body()).isEqualTo(200);
    assertThat(JSON.readTree(pue.body()).at("/window/status").asText()).isEqualTo("NOT_CONFIGURED");
    var carbon = get("/api/carbon?from=2026-07-01T00:00:00Z&to=2026-07-01T02:00:00Z&step=1h");
    assertThat(carbon.statusCode()).as(carbon.body()).isEqualTo(200);
    var metrics = get("/metrics");
    assertThat(metrics.statusCode()).as(metrics.body()).isEqualTo(200);
    assertThat(metrics.body()).doesNotContain("kilowatch_site_pue{");
    assertThat(get("/api/risk").statusCode()).isEqualTo(200);
    assertThat(get("/api/devices").statusCode()).isEqualTo(200);
    var report = get("/api/reports?from=2026-07-01&to=2026-07-02&format=json");
    assertThat(report.statusCode()).as(report.body()).isEqualTo(400);
    assertThat(report.body()).contains("not configured");
  }

  @Test
  void aDevicesEnergyIsReadWithItsChannelsPowerField() throws Exception {
    // "pdu2" is metered by power only, in a field named "load_w": 60 kW for an hour = 60 kWh.
    web.stop();
    var batch = new ArrayList<Sample>();
    for (int t = 0; t <= 3600; t += 60) {
      batch.add(
          Sample.of(
              T0.plusSeconds(t), "pdu", Map.of("device", "pdu2"), Map.of("load_w", 60_000.0)));
    }
    store.write(batch);
    var site =
        io.kilowatch.testkit.TestSites.withMeterProfile(
            new SiteConfig(
                null,
                new Site("t", ZoneOffset.UTC, null, null),
                StoreConfig.embedded(dir),
                WebConfig.DEFAULT,
                // pdu2's load_w is declared in W by its profile: analytics reads units only there.
                List.of(
                    new io.kilowatch.config.Profile.Modbus(
                        "load",
                        io.kilowatch.config.Profile.AddressBase.ZERO,
                        List.of(
                            new io.kilowatch.config.Profile.ModbusPoint(
                                "load",
                                io.kilowatch.config.Profile.RegisterType.HOLDING,
                                0,
                                io.kilowatch.config.Profile.DataType.FLOAT32,
                                io.kilowatch.config.Profile.WordOrder.ABCD,
                                1,
                                0,
                                "W",
                                io.kilowatch.config.Profile.PointKind.GAUGE,
                                null,
                                "load_w",
                                Map.of())))),
                List.of(),
                List.of(
                    device("main", DeviceKind.METER),
                    new Device(
                        "pdu2",
                        DeviceKind.PDU,
                        Location.FACILITY,
                        "load",
                        new io.kilowatch.config.Source.Modbus("127.0.0.1", 502, 1),
                        java.time.Duration.ofSeconds(10),
                        java.time.Duration.ofSeconds(2),
                        Map.of())),
                new EnergyModel(
                    EnergyModel.ItLevel.PDU_OUTPUT,
                    List.of(new Channel("main", null, null, "energy_kwh", "power_w")),
                    List.of(new Channel("pdu2", null, null, "energy_kwh", "load_w")),
                    List.of(),
                    List.of(),
                    List.of())));
    web = new WebServer(site, store, List::of);
    web.start("127.0.0.1", 0);
    base = "http://127.0.0.1:" + web.port();
    var r =
        get(
            "/api/energy?scope=device&id=pdu2&from=2026-07-01T00:00:00Z&to=2026-07-01T01:00:00Z"
                + "&step=whole");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    var s = JSON.readTree(r.body()).get("series").get(0);
    assertThat(s.get("source").asText()).isEqualTo("INTEGRATED");
    assertThat(s.get("totalKwh").asDouble()).isCloseTo(60.0, within(1e-9));
  }

  @Test
  void anOverviewGapNamesTheItMeterThatHadNoReading() throws Exception {
    // Two IT PDUs metered by power (40 kW and 60 kW, a reading a minute); pdu-b says nothing
    // between 00:10 and 00:25. 15 min is over the 5 min power gap limit, so pdu-b is unknown over
    // [00:10, 00:25): the 5 min steps at 00:10, 00:15 and 00:20 have no IT power, and no PUE, and
    // name pdu-b alone; pdu-a reported throughout and is not named.
    web.stop();
    var batch = new ArrayList<Sample>();
    for (int t = 0; t <= 3600; t += 60) {
      batch.add(
          Sample.of(
              T0.plusSeconds(t), "pdu", Map.of("device", "pdu-a"), Map.of("load_w", 40_000.0)));
      if (t <= 600 || t >= 1500) {
        batch.add(
            Sample.of(
                T0.plusSeconds(t), "pdu", Map.of("device", "pdu-b"), Map.of("load_w", 60_000.0)));
      }
    }
    store.write(batch);
    var load =
        new io.kilowatch.config.Profile.Modbus(
            "load",
            io.kilowatch.config.Profile.AddressBase.ZERO,
            List.of(
                new io.kilowatch.config.Profile.ModbusPoint(
                    "load",
                    io.kilowatch.config.Profile.RegisterType.HOLDING,
                    0,
                    io.kilowatch.config.Profile.DataType.FLOAT32,
                    io.kilowatch.config.Profile.WordOrder.ABCD,
                    1,
                    0,
                    "W",
                    io.kilowatch.config.Profile.PointKind.GAUGE,
                    null,
                    "load_w",
                    Map.of())));
    var site =
        io.kilowatch.testkit.TestSites.withMeterProfile(
            new SiteConfig(
                null,
                new Site("t", ZoneOffset.UTC, null, null),
                StoreConfig.embedded(dir),
                WebConfig.DEFAULT,
                List.of(load),
                List.of(),
                List.of(device("main", DeviceKind.METER), pdu("pdu-a"), pdu("pdu-b")),
                new EnergyModel(
                    EnergyModel.ItLevel.PDU_OUTPUT,
                    List.of(new Channel("main", null, null, "energy_kwh", "power_w")),
                    List.of(
                        new Channel("pdu-a", null, null, "energy_kwh", "load_w"),
                        new Channel("pdu-b", null, null, "energy_kwh", "load_w")),
                    List.of(),
                    List.of(),
                    List.of())));
    web = new WebServer(site, store, List::of);
    web.start("127.0.0.1", 0);
    base = "http://127.0.0.1:" + web.port();

    var r = get("/api/overview?from=2026-07-01T00:00:00Z&to=2026-07-01T00:30:00Z&step=5m");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    var series = JSON.readTree(r.body()).get("series");
    JsonNode it = null;
    JsonNode pue = null;
    JsonNode facility = null;
    for (JsonNode s : series) {
      switch (s.get("name").asText()) {
        case "it_power" -> it = s.get("points");
        case "pue" -> pue = s.get("points");
        case "facility_power" -> facility = s.get("points");
        default -> {}
      }
    }
    // 00:05: both PDUs known, 40 + 60 kW.
    assertThat(it.get(1).size()).isEqualTo(2);
    assertThat(it.get(1).get(1).asDouble()).isCloseTo(100.0, within(1e-6));
    for (int i = 2; i <= 4; i++) {
      assertThat(it.get(i).get(1).isNull()).as("IT at step %d", i).isTrue();
      assertThat(it.get(i).get(2).toString()).as("IT at step %d", i).isEqualTo("[\"pdu-b\"]");
      assertThat(pue.get(i).get(1).isNull()).as("PUE at step %d", i).isTrue();
      assertThat(pue.get(i).get(2).toString()).as("PUE at step %d", i).isEqualTo("[\"pdu-b\"]");
      // The facility meter reported: its step has a value and names no one.
      assertThat(facility.get(i).size()).isEqualTo(2);
      assertThat(facility.get(i).get(1).isNull()).isFalse();
    }
    // From 00:25 pdu-b is back: a value again, no names.
    assertThat(it.get(5).size()).isEqualTo(2);
    assertThat(it.get(5).get(1).asDouble()).isCloseTo(100.0, within(1e-6));

    // Nothing of the site reported before 00:00: the steps at 23:50 and 23:55 are gaps that name
    // no one (nothing was down, the site was not watched yet), while 00:10 still names pdu-b.
    var early = get("/api/overview?from=2026-06-30T23:50:00Z&to=2026-07-01T00:15:00Z&step=5m");
    assertThat(early.statusCode()).as(early.body()).isEqualTo(200);
    for (JsonNode s : JSON.readTree(early.body()).get("series")) {
      if (!List.of("it_power", "pue").contains(s.get("name").asText())) {
        continue;
      }
      var pts = s.get("points");
      for (int i = 0; i <= 1; i++) {
        assertThat(pts.get(i).size()).as("%s at step %d", s.get("name"), i).isEqualTo(2);
        assertThat(pts.get(i).get(1).isNull()).as("%s at step %d", s.get("name"), i).isTrue();
      }
      if (s.get("name").asText().equals("it_power")) {
        assertThat(pts.get(4).get(2).toString()).isEqualTo("[\"pdu-b\"]");
      }
    }
  }

  private static Device pdu(String id) {
    return new Device(
        id,
        DeviceKind.PDU,
        Location.FACILITY,
        "load",
        new Source.Modbus("127.0.0.1", 502, 1),
        Duration.ofSeconds(60),
        Duration.ofSeconds(2),
        Map.of());
  }

  @Test
  void counterDeltaOfADevicesCounterUnwrapsWithItsRegisterWidth() throws Exception {
    // UINT16 register of 1 kWh: width 65,536. Readings 65,530, 65,535 (+5), 3: a wrap from the
    // top tenth to the bottom tenth, 65,536 − 65,535 + 3 = +4. One 3-minute step: 9 kWh (the
    // store's plain sum of increases would say 5 + 3 = 8).
    web.stop();
    var profile =
        new io.kilowatch.config.Profile.Modbus(
            "u16",
            io.kilowatch.config.Profile.AddressBase.ZERO,
            List.of(
                new io.kilowatch.config.Profile.ModbusPoint(
                    "energy",
                    io.kilowatch.config.Profile.RegisterType.HOLDING,
                    0,
                    io.kilowatch.config.Profile.DataType.UINT16,
                    io.kilowatch.config.Profile.WordOrder.ABCD,
                    1,
                    0,
                    "kWh",
                    io.kilowatch.config.Profile.PointKind.COUNTER,
                    null,
                    "energy_kwh",
                    Map.of())));
    var m16 =
        new Device(
            "m16",
            DeviceKind.METER,
            Location.FACILITY,
            "u16",
            new Source.Modbus("127.0.0.1", 502, 1),
            Duration.ofSeconds(60),
            Duration.ofSeconds(2),
            Map.of());
    double[] v = {65_530, 65_535, 3};
    for (int i = 0; i < v.length; i++) {
      store.write(
          List.of(
              Sample.of(
                  T0.plusSeconds(60L * i),
                  "meter",
                  Map.of("device", "m16"),
                  Map.of("energy_kwh", v[i]))));
    }
    var site =
        io.kilowatch.testkit.TestSites.withMeterProfile(
            new SiteConfig(
                null,
                new Site("t", ZoneOffset.UTC, null, null),
                StoreConfig.embedded(dir),
                WebConfig.DEFAULT,
                List.of(profile),
                List.of(),
                List.of(m16),
                null));
    web = new WebServer(site, store, List::of);
    web.start("127.0.0.1", 0);
    base = "http://127.0.0.1:" + web.port();
    var r =
        get(
            "/api/query?measurement=meter&field=energy_kwh&tags=device:m16"
                + "&from=2026-07-01T00:00:00Z&to=2026-07-01T00:03:00Z&step=3m&aggregate=COUNTER_DELTA");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    var pts = JSON.readTree(r.body()).at("/series/0/points");
    assertThat(pts).hasSize(1);
    assertThat(pts.get(0).get(1).asDouble()).isCloseTo(9.0, within(1e-9));
  }

  @AfterEach
  void stop() {
    web.stop();
    store.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void pueComesWithItsCategoryCoverageAndEnergies() throws Exception {
    var r = get("/api/pue?from=2026-07-01T00:00:00Z&to=2026-07-01T02:00:00Z&step=1h");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode j = JSON.readTree(r.body());
    assertThat(j.get("category").asInt()).isEqualTo(2);
    assertThat(j.at("/window/pue").asDouble()).isCloseTo(1.3, within(1e-9));
    assertThat(j.at("/window/status").asText()).isEqualTo("OK");
    assertThat(j.at("/window/coverage").asDouble()).isEqualTo(1.0);
    assertThat(j.get("steps")).hasSize(2);
  }

  @Test
  void energyAndCarbonAndRiskAnswerWithUnits() throws Exception {
    var e =
        JSON.readTree(
            get("/api/energy?from=2026-07-01T00:00:00Z&to=2026-07-01T02:00:00Z&step=whole").body());
    assertThat(e.get("unit").asText()).isEqualTo("kWh");
    assertThat(e.at("/series/0/name").asText()).isEqualTo("facility");
    assertThat(e.at("/series/0/totalKwh").asDouble()).isCloseTo(260, within(1e-6));
    assertThat(e.at("/series/0/source").asText()).isEqualTo("COUNTER");
    var c = get("/api/carbon?from=2026-07-01T00:00:00Z&to=2026-07-01T02:00:00Z&step=1h");
    assertThat(c.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(c.body()).at("/units/emissions").asText()).isEqualTo("kgCO2e");
    // No intensity source configured: emissions are unknown, not zero.
    assertThat(JSON.readTree(c.body()).at("/report/totals/locationKg").isNull()).isTrue();
    var k = get("/api/risk");
    assertThat(k.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(k.body()).get("levels")).hasSize(4);
  }

  /**
   * Both devices poll every 60 s, so no chart may be drawn at less than 2 × 60 s = 120 s: a step
   * below that is raised to it, and the answer says so. Over 00:00–00:30 that is 30 / 2 = 15 steps.
   */
  @Test
  void aStepBelowTwiceTheSlowestPollIntervalIsRaisedAndTheAnswerSaysSo() throws Exception {
    JsonNode site = JSON.readTree(get("/api/site").body());
    assertThat(site.get("minStepSeconds").asInt()).isEqualTo(120);

    JsonNode o =
        JSON.readTree(
            get("/api/overview?from=2026-07-01T00:00:00Z&to=2026-07-01T00:30:00Z&step=60s").body());
    assertThat(o.get("stepSeconds").asInt()).isEqualTo(120);
    assertThat(o.get("requestedStepSeconds").asDouble()).isEqualTo(60.0);
    assertThat(o.get("minStepSeconds").asDouble()).isEqualTo(120.0);
    assertThat(o.get("stepClamped").asBoolean()).isTrue();
    assertThat(o.get("stepReason").asText()).contains("poll interval");
    JsonNode it = o.at("/series/1");
    assertThat(it.get("name").asText()).isEqualTo("it_power");
    assertThat(it.get("points")).hasSize(15);
    assertThat(it.at("/points/1/0").asLong() - it.at("/points/0/0").asLong()).isEqualTo(120_000);
    // 100 kWh per hour on the PDU's counter: 100 kW in every step, none missing.
    for (JsonNode pt : it.get("points")) {
      assertThat(pt.get(1).asDouble()).isCloseTo(100.0, within(1e-6));
    }

    JsonNode wide =
        JSON.readTree(
            get("/api/overview?from=2026-07-01T00:00:00Z&to=2026-07-01T00:30:00Z&step=5m").body());
    assertThat(wide.get("stepSeconds").asInt()).isEqualTo(300);
    assertThat(wide.get("stepClamped").asBoolean()).isFalse();
    assertThat(wide.get("stepReason").isNull()).isTrue();

    JsonNode q =
        JSON.readTree(
            get("/api/query?measurement=pdu&field=energy_kwh&from=2026-07-01T00:00:00Z"
                    + "&to=2026-07-01T00:30:00Z&step=30s&aggregate=last")
                .body());
    assertThat(q.get("stepSeconds").asDouble()).isEqualTo(120.0);
    assertThat(q.get("requestedStepSeconds").asDouble()).isEqualTo(30.0);
    assertThat(q.get("stepClamped").asBoolean()).isTrue();
    JsonNode pts = q.at("/series/0/points");
    assertThat(pts).hasSize(15);
    assertThat(pts.get(1).get(0).asLong() - pts.get(0).get(0).asLong()).isEqualTo(120_000);
  }

  /**
   * Every energy answer states the interval it computed over; one that differs from the interval
   * asked for is marked aligned, with why.
   */
  @Test
  void answersStateTheIntervalTheyComputedAndWhetherItWasAligned() throws Exception {
    JsonNode pue =
        JSON.readTree(get("/api/pue?from=2026-07-01T00:30:00Z&to=2026-07-01T00:40:00Z").body());
    assertThat(pue.at("/interval/from").asText()).isEqualTo("2026-07-01T00:30:00Z");
    assertThat(pue.at("/interval/to").asText()).isEqualTo("2026-07-01T00:40:00Z");
    assertThat(pue.at("/interval/aligned").asBoolean()).isFalse();
    assertThat(pue.at("/interval/toIsNow").asBoolean()).isFalse();
    // Fully polled data over those 10 minutes: coverage 1, not the share of the calendar hour.
    assertThat(pue.at("/window/coverage").asDouble()).isEqualTo(1.0);

    // Twelve calendar months before 2026-07-01T01:00Z in UTC.
    JsonNode year =
        JSON.readTree(get("/api/pue?window=trailing-12-months&to=2026-07-01T01:00:00Z").body());
    assertThat(year.at("/interval/from").asText()).isEqualTo("2025-07-01T01:00:00Z");
    assertThat(year.at("/interval/requestedFrom").isNull()).isTrue();
    assertThat(year.at("/interval/aligned").asBoolean()).isTrue();
    assertThat(year.at("/interval/alignedWhy").asText()).contains("12 calendar months");

    Instant before = Instant.now();
    JsonNode energy = JSON.readTree(get("/api/energy?from=-10m&step=whole").body());
    Instant to = Instant.parse(energy.at("/interval/to").asText());
    Instant from = Instant.parse(energy.at("/interval/from").asText());
    assertThat(Duration.between(from, to)).isEqualTo(Duration.ofMinutes(10));
    assertThat(to).isAfterOrEqualTo(before.truncatedTo(ChronoUnit.MILLIS));
    assertThat(energy.at("/interval/toIsNow").asBoolean()).isTrue();
    assertThat(energy.at("/interval/aligned").asBoolean()).isFalse();

    // A 'to' in the future: figures end now, and the answer says it cut the interval.
    Instant tomorrow = Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.SECONDS);
    JsonNode carbon =
        JSON.readTree(get("/api/carbon?from=-1h&to=" + tomorrow + "&step=whole").body());
    assertThat(Instant.parse(carbon.at("/interval/to").asText())).isBefore(tomorrow);
    assertThat(Instant.parse(carbon.at("/interval/requestedTo").asText())).isEqualTo(tomorrow);
    assertThat(carbon.at("/interval/aligned").asBoolean()).isTrue();
    assertThat(carbon.at("/interval/alignedWhy").asText()).contains("future");

    JsonNode o =
        JSON.readTree(
            get("/api/overview?from=2026-07-01T00:00:00Z&to=2026-07-01T00:30:00Z&step=5m").body());
    assertThat(o.at("/interval/from").asText()).isEqualTo("2026-07-01T00:00:00Z");
    assertThat(o.at("/interval/to").asText()).isEqualTo("2026-07-01T00:30:00Z");
    assertThat(o.at("/interval/aligned").asBoolean()).isFalse();
  }

  @Test
  void badParametersAreAnsweredWith400NamingTheParameter() throws Exception {
    assertBad("/api/pue?step=fortnight", "step");
    assertBad("/api/pue?from=2026-07-02T00:00:00Z&to=2026-07-01T00:00:00Z", "from");
    assertBad("/api/energy?scope=cluster", "id");
    assertBad("/api/energy?scope=galaxy", "scope");
    assertBad("/api/energy?scope=rack&id=nope", "id");
    assertBad("/api/carbon?from=yesterday", "from");
    assertBad("/api/risk?at=soon", "at");
    assertBad("/api/pue?from=-400d&step=15m", "step");
  }

  private void assertBad(String path, String parameter) throws Exception {
    var r = get(path);
    assertThat(r.statusCode()).as(path).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).get("parameter").asText()).as(path).isEqualTo(parameter);
  }
}
