package io.kilowatch.analytics.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.sun.net.httpserver.HttpServer;
import io.kilowatch.analytics.Analytics;
import io.kilowatch.config.AnalyticsConfig;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code input_sha256} covers beyond raw readings: the rollup rows read when the range is
 * computed from rollups, and the hourly intensities an API source gave (a local Electricity Maps
 * stub on loopback).
 */
class InputHashCoverageTest {
  static final Instant DAY = ReportBuilderTest.FROM;
  static final Instant NEXT = DAY.plus(Duration.ofDays(1));

  @TempDir Path dir;
  EmbeddedStore store;
  HttpServer server;
  final AtomicReference<String> history = new AtomicReference<>();

  @BeforeEach
  void setUp() throws Exception {
    // Maintenance is driven by the tests (to drop raw readings when one needs rollups).
    store =
        EmbeddedStore.open(
            dir.resolve("store"),
            Duration.ofDays(7),
            Duration.ofDays(90),
            Duration.ofDays(3650),
            false);
    ReportBuilderTest.writeMonth(store);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/v3/carbon-intensity/history",
        ex -> {
          byte[] body = history.get().getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().add("Content-Type", "application/json");
          ex.sendResponseHeaders(200, body.length);
          try (var out = ex.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
  }

  @AfterEach
  void tearDown() {
    server.stop(0);
    store.close();
  }

  /** Electricity Maps' last 24 hours for 1 July: 100 + 10 h g/kWh, hour {@code h5} as given. */
  static String history(double h5) {
    var items = new ArrayList<String>();
    for (int h = 0; h < 24; h++) {
      double g = h == 5 ? h5 : 100 + 10 * h;
      items.add(
          "{\"zone\": \"FR\", \"carbonIntensity\": "
              + g
              + ", \"datetime\": \""
              + DAY.plus(Duration.ofHours(h))
              + "\", \"isEstimated\": false, \"emissionFactorType\": \"direct\"}");
    }
    return "{\"zone\": \"FR\", \"history\": [" + String.join(", ", items) + "]}";
  }

  SiteConfig site(AnalyticsConfig.IntensitySource source) throws Exception {
    SiteConfig base = ReportBuilderTest.site(dir);
    var a = base.analytics();
    var c = a.carbon();
    return base.withAnalytics(
        new AnalyticsConfig(
            a.powerGapLimit(),
            a.coverageThreshold(),
            a.counterGapLimit(),
            a.kpiInterval(),
            a.loops(),
            a.hbmLimitC(),
            new AnalyticsConfig.CarbonConfig(
                source, null, c.residualMixGPerKwh(), c.instruments(), c.timeout()),
            a.water(),
            a.reuse(),
            a.declared()));
  }

  /** A fresh builder (its own intensity cache) as a later {@code --verify} run has. */
  static ReportBuilder builder(SiteConfig site, Store store) {
    var clock = Clock.fixed(NEXT, ZoneOffset.UTC);
    return new ReportBuilder(
        new Analytics(site, store, clock),
        store,
        "test-version",
        ReportBuilder.sha256(new byte[0]));
  }

  @Test
  void aChangedIntensityFromAnApiChangesTheHashAndVerifySaysSo() throws Exception {
    var source =
        new AnalyticsConfig.IntensitySource.ElectricityMaps(
            URI.create("http://127.0.0.1:" + server.getAddress().getPort()), "FR", "t");
    var site = site(source);
    history.set(history(150));
    Report r = builder(site, store).build(DAY, NEXT, null, ReportBuilder.Progress.NONE);
    // 100 kWh every hour × (100 + 10 h) g/kWh over one day: 516 kg
    assertThat(r.carbon().locationKg()).isCloseTo(516, within(1e-6));
    assertThat(r.carbon().intensitySource()).isEqualTo("electricity-maps:FR");
    assertThat(r.provenance().inputIntensityHours()).isEqualTo(24);
    Path file = dir.resolve("day.json");
    try (var out = Files.newOutputStream(file)) {
      ReportWriter.write(r, ReportFormat.JSON, out);
    }
    var same =
        ReportVerifier.verify(
            file,
            (ft, cl) -> builder(site, store).build(ft[0], ft[1], cl, ReportBuilder.Progress.NONE));
    assertThat(same.matches()).isTrue();

    // The API now says 160 instead of 150 g/kWh for 05:00; the stored readings are unchanged.
    history.set(history(160));
    var v =
        ReportVerifier.verify(
            file,
            (ft, cl) -> builder(site, store).build(ft[0], ft[1], cl, ReportBuilder.Progress.NONE));
    assertThat(v.inputMatch()).isFalse();
    assertThat(v.storeInputSha256()).isNotEqualTo(r.provenance().inputSha256());
    assertThat(v.figuresMatch()).isFalse();
    // 100 kWh × 10 g/kWh more: 517 kg
    assertThat(String.join("\n", v.differences())).contains("input_sha256").contains("517.000");
  }

  @Test
  void rollupBinsReadAreHashedOnceTheRawReadingsAreGoneAndTheFiguresStayTheSame() throws Exception {
    var source = new AnalyticsConfig.IntensitySource.Static(200);
    Report raw =
        builder(site(source), store)
            .build(ReportBuilderTest.FROM, ReportBuilderTest.TO, null, ReportBuilder.Progress.NONE);
    assertThat(raw.provenance().inputPoints()).isEqualTo(4 * 8929 - 71);
    // September: July is past the raw retention, rolled up into one-minute bins.
    store.maintain(java.time.Instant.parse("2026-09-01T00:00:00Z"));
    Report rolled =
        builder(site(source), store)
            .build(ReportBuilderTest.FROM, ReportBuilderTest.TO, null, ReportBuilder.Progress.NONE);
    // Of the raw readings only each series' last one before the raw horizon is left (the store
    // keeps it); the one-minute bins the engine read are hashed (four meters, one reading every
    // 5 minutes: a bin per reading, 8,929 per meter but the 71 of c2's gap).
    assertThat(rolled.provenance().inputPoints()).isLessThanOrEqualTo(4);
    assertThat(rolled.provenance().inputRuns()).isGreaterThanOrEqualTo(4 * 8929 - 71);
    assertThat(rolled.provenance().inputSha256()).isNotEqualTo(raw.provenance().inputSha256());
    // The rules are kept by the bins: the same figures.
    assertThat(rolled.headline().facilityKwh())
        .isCloseTo(raw.headline().facilityKwh(), within(1e-9 * raw.headline().facilityKwh()));
    assertThat(rolled.headline().pue()).isCloseTo(raw.headline().pue(), within(1e-12));
    // The same stored data read the same way gives the same hash.
    Report again =
        builder(site(source), store)
            .build(ReportBuilderTest.FROM, ReportBuilderTest.TO, null, ReportBuilder.Progress.NONE);
    assertThat(again.provenance().inputSha256()).isEqualTo(rolled.provenance().inputSha256());
    assertThat(CanonicalText.csv(again)).isEqualTo(CanonicalText.csv(rolled));
  }
}
