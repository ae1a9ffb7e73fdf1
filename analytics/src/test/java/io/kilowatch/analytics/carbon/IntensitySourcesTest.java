package io.kilowatch.analytics.carbon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Parsers on recorded answers, and each HTTP client against a local stub server that serves the
 * same recordings: what goes over the wire (path, query, key header) is checked, not mocked.
 */
class IntensitySourcesTest {
  private HttpServer server;
  private final ConcurrentLinkedQueue<String> requests = new ConcurrentLinkedQueue<>();
  private final AtomicInteger status = new AtomicInteger(200);
  private volatile long delayMs;

  static String fixture(String name) throws IOException {
    try (InputStream in = IntensitySourcesTest.class.getResourceAsStream("/carbon/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** Serves {@code body} on every path, recording "path?query header". */
  private URI serve(String body, String header) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    server.createContext(
        "/",
        ex -> {
          requests.add(
              ex.getRequestURI()
                  + " "
                  + (header == null ? "" : ex.getRequestHeaders().getFirst(header)));
          try {
            // The fake source answers late on purpose, to exercise the client's timeout.
            Thread.sleep(delayMs);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          byte[] b = body.getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(status.get(), b.length);
          ex.getResponseBody().write(b);
          ex.close();
        });
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  @Test
  void electricityMapsHistoryIsParsedWithEstimatesAndFactorType() throws Exception {
    var p =
        ElectricityMaps.parse(
            fixture("electricitymaps_v3_carbon-intensity_history_FR_2024-07-05.json"));
    assertThat(p.points()).hasSize(24);
    assertThat(p.factorType()).isEqualTo("lifecycle");
    assertThat(p.points().getFirst().start()).isEqualTo(Instant.parse("2024-07-04T11:00:00Z"));
    assertThat(p.points().getFirst().gPerKwh()).isEqualTo(19);
    assertThat(p.points().getLast().start()).isEqualTo(Instant.parse("2024-07-05T10:00:00Z"));
    assertThat(p.points().subList(21, 24)).allMatch(IntensityPoint::estimated);
    assertThat(p.points().subList(0, 21)).noneMatch(IntensityPoint::estimated);
  }

  @Test
  void electricityMapsClientSendsZoneAndTokenHeader() throws Exception {
    URI base =
        serve(
            fixture("electricitymaps_v3_carbon-intensity_history_FR_2024-07-05.json"),
            "auth-token");
    var em = new ElectricityMaps(base, "FR", "secret-token", Duration.ofSeconds(2));
    var pts =
        em.fetch(Instant.parse("2024-07-04T11:00:00Z"), Instant.parse("2024-07-05T11:00:00Z"));
    assertThat(pts).hasSize(24);
    assertThat(requests.peek())
        .isEqualTo("/v3/carbon-intensity/history?zone=FR&emissionFactorType=direct secret-token");
    assertThat(em.lastFactorType()).isEqualTo("lifecycle");
  }

  @Test
  void ukCarbonIntensityPrefersActualAndMarksForecastsEstimated() throws Exception {
    var national =
        UkCarbonIntensity.parse(fixture("uk-carbonintensity_intensity_national_2023-07-04.json"));
    assertThat(national)
        .containsExactly(
            new IntensityPoint(
                Instant.parse("2023-07-04T23:30:00Z"), Duration.ofMinutes(30), 129, false),
            new IntensityPoint(
                Instant.parse("2023-07-05T00:00:00Z"), Duration.ofMinutes(30), 122, false));
    var forecast =
        UkCarbonIntensity.parse(
            fixture("uk-carbonintensity_intensity_fw24h_2020-05-21_emoncms-doc-excerpt.json"));
    assertThat(forecast).hasSize(49).allMatch(IntensityPoint::estimated);
    assertThat(forecast.getFirst().gPerKwh()).isEqualTo(190);
  }

  @Test
  void ukCarbonIntensityClientAsksForTheIntervalAndAveragesHalfHoursIntoAnHour() throws Exception {
    URI base = serve(fixture("uk-carbonintensity_intensity_national_2023-07-04.json"), null);
    var uk = new UkCarbonIntensity(base, Duration.ofSeconds(2));
    var cache = new IntensityCache(uk, null, Clock.systemUTC(), Duration.ZERO);
    // 23:30–00:00 actual 129 and 00:00–00:30 actual 122: the hour 23:00 has only the first half
    // (129); the hour 00:00 only its first half (122).
    var h = cache.hourly(Instant.parse("2023-07-04T23:00:00Z"), 2);
    assertThat(h.g()).containsExactly(129, 122);
    assertThat(requests.peek()).startsWith("/intensity/2023-07-04T23:00Z/");
  }

  @Test
  void wattTimeLbsPerMwhBecomeGramsPerKwhAndTheSignalIsReported() throws Exception {
    var p = WattTime.parse(fixture("watttime_v3_historical_aiowatttime-fixture.json"));
    // 870 lbs/MWh × 0.453592 = 394.62504 g/kWh; 860 × 0.453592 = 390.08912
    assertThat(p.points()).hasSize(2);
    assertThat(p.points().get(0).gPerKwh()).isCloseTo(394.62504, within(1e-9));
    assertThat(p.points().get(1).gPerKwh()).isCloseTo(390.08912, within(1e-9));
    assertThat(p.points().get(0).length()).isEqualTo(Duration.ofMinutes(5));
    assertThat(p.signal()).isEqualTo("co2_moer");
    assertThat(p.units()).isEqualTo("lbs_co2_per_mwh");
  }

  @Test
  void wattTimeClientAsksForTheAccountingSignalWithABearerToken() throws Exception {
    URI base = serve(fixture("watttime_v3_historical_aiowatttime-fixture.json"), "Authorization");
    var wt = new WattTime(base, "CAISO_NORTH", null, "tok", Duration.ofSeconds(2));
    var pts =
        wt.fetch(Instant.parse("2022-07-15T00:00:00Z"), Instant.parse("2022-07-15T01:00:00Z"));
    assertThat(pts).hasSize(2);
    assertThat(requests.peek())
        .isEqualTo(
            "/v3/historical?region=CAISO_NORTH&start=2022-07-15T00:00:00Z"
                + "&end=2022-07-15T01:00:00Z&signal_type=co2_aoer Bearer tok");
  }

  @Test
  void anOutageKeepsTheLastGoodValuesWithTheirAgeAndNeverBlocks() throws Exception {
    URI base =
        serve(fixture("electricitymaps_v3_carbon-intensity_history_FR_2024-07-05.json"), null);
    var clock = new MutableClock(Instant.parse("2024-07-05T11:00:00Z"));
    var em = new ElectricityMaps(base, "FR", null, Duration.ofMillis(500));
    var cache = new IntensityCache(em, 50.0, clock, Duration.ZERO);
    var first = cache.hourly(Instant.parse("2024-07-05T09:00:00Z"), 2);
    assertThat(first.g()).containsExactly(18, 19);
    assertThat(first.lastError()).isNull();

    // The API now hangs past the timeout, then fails outright; an hour later we ask for the next
    // hours: the last good value carries forward, marked, with its age and the error.
    delayMs = 3_000;
    clock.now = clock.now.plus(Duration.ofHours(1));
    long t0 = System.nanoTime();
    var later = cache.hourly(Instant.parse("2024-07-05T10:00:00Z"), 3);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
    assertThat(later.g()).containsExactly(19, 19, 19);
    assertThat(later.origin())
        .containsExactly(
            IntensityCache.Origin.SOURCE,
            IntensityCache.Origin.CARRIED_FORWARD,
            IntensityCache.Origin.CARRIED_FORWARD);
    assertThat(later.age()).isEqualTo(Duration.ofHours(1));
    assertThat(later.lastError()).contains("imeout");
    delayMs = 0;
    status.set(503);
    clock.now = clock.now.plus(Duration.ofMinutes(10));
    var down = cache.hourly(Instant.parse("2024-07-05T12:00:00Z"), 1);
    assertThat(down.lastError()).contains("HTTP 503");
    assertThat(down.g()).containsExactly(19);
  }

  @Test
  void aTypicalDayCsvProfileRepeatsInTheSitesTimeZone() {
    var lines = new java.util.ArrayList<String>(List.of("hour,g_per_kwh"));
    for (int h = 0; h < 24; h++) {
      lines.add(h + "," + (h * 10));
    }
    var csv = CsvIntensity.parse(lines, java.time.ZoneId.of("Europe/Paris"));
    // 2026-07-01T10:00Z is 12:00 in Paris (UTC+2) → 120.
    var pts =
        csv.fetch(Instant.parse("2026-07-01T10:00:00Z"), Instant.parse("2026-07-01T11:00:00Z"));
    assertThat(pts).singleElement().extracting(IntensityPoint::gPerKwh).isEqualTo(120.0);
    assertThat(new StaticIntensity(56).fetch(Instant.EPOCH, Instant.ofEpochSecond(7200)))
        .hasSize(2);
  }

  static final class MutableClock extends Clock {
    volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
