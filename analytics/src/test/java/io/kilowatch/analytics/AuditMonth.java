package io.kilowatch.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kilowatch.config.AnalyticsConfig;
import io.kilowatch.config.Cluster;
import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.EnergyModel;
import io.kilowatch.config.EnergyModel.Channel;
import io.kilowatch.config.Location;
import io.kilowatch.config.Rack;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Store;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * The independent audit month: {@code analytics/src/test/python/audit_month.py} writes a seeded
 * month of one-minute meter data with every event the rules name, and {@code audit_expected.py},
 * written from the rule text alone (not from this code), computes what the figures must be. This
 * class runs both, loads the month and compares kilowatch's answers at 1e-9 relative.
 */
final class AuditMonth {
  static final Instant FROM = Instant.parse("2026-10-01T00:00:00Z");
  static final Instant TO = Instant.parse("2026-10-31T00:00:00Z");
  static final double REL = 1e-9;

  final Path dir;
  final JsonNode expected;

  private AuditMonth(Path dir, JsonNode expected) {
    this.dir = dir;
    this.expected = expected;
  }

  /** Generates the month for {@code seed} into {@code dir} and computes the expected figures. */
  static AuditMonth generate(Path dir, int seed) throws IOException, InterruptedException {
    Path expected = io.kilowatch.testkit.audit.AuditMonthScripts.generate(dir, seed);
    return new AuditMonth(dir, new ObjectMapper().readTree(expected.toFile()));
  }

  /** The measurement each meter's readings land in: its device kind's, as the collectors write. */
  static String measurement(String meter) {
    return switch (meter) {
      case "fac", "chiller" -> "meter";
      case "cdu_c1" -> "cdu";
      default -> "pdu";
    };
  }

  /** The audit site as kilowatch configuration: the same meters, clusters and carbon settings. */
  SiteConfig site(Path storeDir) {
    var c1 =
        new Cluster(
            "c1",
            "c1",
            List.of(
                new Rack(
                    "c1-r1",
                    List.of(
                        device("it_c1a", DeviceKind.PDU, new Location("c1", "c1-r1"), null),
                        device("it_c1b", DeviceKind.PDU, new Location("c1", "c1-r1"), null)))),
            List.of(device("cdu_c1", DeviceKind.CDU, new Location("c1", null), null)));
    var c2 =
        new Cluster(
            "c2",
            "c2",
            List.of(
                new Rack(
                    "c2-r1",
                    List.of(device("it_c2", DeviceKind.PDU, new Location("c2", "c2-r1"), null)))),
            List.of());
    var model =
        new EnergyModel(
            EnergyModel.ItLevel.PDU_OUTPUT,
            List.of(new Channel("fac", null, null, "energy_kwh", "power_w")),
            List.of(new Channel(null, DeviceKind.PDU, null, "energy_kwh", "power_w")),
            List.of(
                new Channel(null, DeviceKind.CDU, null, "energy_kwh", "power_w"),
                new Channel("chiller", null, null, "energy_kwh", "power_w")),
            List.of(),
            List.of());
    var d = AnalyticsConfig.DEFAULT;
    var instruments =
        List.of(
            new AnalyticsConfig.Instrument(
                "ppa-solar",
                AnalyticsConfig.InstrumentKind.PPA,
                Instant.parse("2026-10-01T00:00:00Z"),
                Instant.parse("2026-11-01T00:00:00Z"),
                AnalyticsConfig.Granularity.HOUR,
                0.5,
                0,
                true),
            // October in Europe/Paris: the instrument bounds the months it covers.
            new AnalyticsConfig.Instrument(
                "goo-oct",
                AnalyticsConfig.InstrumentKind.CERTIFICATE,
                Instant.parse("2026-09-30T22:00:00Z"),
                Instant.parse("2026-10-31T23:00:00Z"),
                AnalyticsConfig.Granularity.MONTH,
                300,
                0,
                true));
    var analytics =
        new AnalyticsConfig(
            Duration.ofSeconds(300),
            0.9,
            null,
            d.kpiInterval(),
            d.loops(),
            d.hbmLimitC(),
            new AnalyticsConfig.CarbonConfig(
                new AnalyticsConfig.IntensitySource.CsvProfile(dir.resolve("intensity.csv")),
                null,
                420.0,
                instruments,
                Duration.ofSeconds(10),
                null),
            null,
            null,
            d.declared());
    return TestSites.site(
        storeDir,
        ZoneId.of("Europe/Paris"),
        List.of(TestSites.uint32Meter()),
        List.of(c1, c2),
        List.of(
            device("fac", DeviceKind.METER, Location.FACILITY, "u32-meter"),
            device("chiller", DeviceKind.METER, Location.FACILITY, null)),
        model,
        analytics);
  }

  private static Device device(String id, DeviceKind kind, Location loc, String profile) {
    var t = TestSites.device(id, kind, loc, profile, 60);
    return t;
  }

  /** Writes every reading of month.lp.gz as the collectors would: the meter's device series. */
  long load(Store store) throws IOException {
    long n = 0;
    var batch = new ArrayList<Sample>();
    try (var in =
        new BufferedReader(
            new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(dir.resolve("month.lp.gz"))),
                StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        // meter,meter=<name> f=v[,f=v] <ns>
        String[] parts = line.split(" ");
        String meter = parts[0].substring(parts[0].indexOf("meter=") + 6);
        var fields = new java.util.LinkedHashMap<String, Double>();
        for (String kv : parts[1].split(",")) {
          int eq = kv.indexOf('=');
          fields.put(kv.substring(0, eq), Double.parseDouble(kv.substring(eq + 1)));
        }
        long ns = Long.parseLong(parts[2]);
        Instant t = Instant.ofEpochSecond(ns / 1_000_000_000L, ns % 1_000_000_000L);
        batch.add(
            Sample.of(t, measurement(meter), Map.of("site", "test", "device", meter), fields));
        n++;
        if (batch.size() == 5000) {
          store.write(batch);
          batch.clear();
        }
      }
    }
    store.write(batch);
    return n;
  }

  /** The expected steps of one step set: {@code whole}, {@code day} or {@code hour}. */
  JsonNode steps(String set) {
    return expected.get("steps").get(set);
  }

  /** Asserts {@code actual} is within 1e-9 relative of the expected number (null for null). */
  static void close(String what, Double actual, JsonNode expected) {
    if (expected == null || expected.isNull()) {
      assertThat(actual).as(what).isNull();
      return;
    }
    double e = expected.asDouble();
    assertThat(actual).as(what).isNotNull();
    double tol = REL * Math.max(Math.abs(e), 1e-3);
    assertThat(Math.abs(actual - e))
        .as("%s: %s, expected %s", what, actual, e)
        .isLessThanOrEqualTo(tol);
  }
}
