package io.kilowatch.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kilowatch.app.cli.Main;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.testkit.audit.AuditMonthScripts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The independent audit month as a new user would run it: push devices in site.yaml, {@code
 * kilowatch import} of the month's line protocol into a stopped instance, {@code kilowatch report
 * --format json}, then the running server's {@code /api/pue} and {@code /api/carbon}, whole month,
 * per day and per hour — each compared at 1e-9 relative with what {@code audit_expected.py}
 * computed from the rules alone. The month lies more than 7 days back, so the running instance
 * answers from raw readings or from rollups, whichever its maintenance has reached: the figures
 * must not differ.
 */
class AuditMonthEndToEndTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String FROM = "2026-10-01T00:00:00Z";
  static final String TO = "2026-10-31T00:00:00Z";

  @TempDir Path dir;

  static final String SITE =
      """
      site: {name: audit, timezone: Europe/Paris}
      store: {kind: embedded, dataDir: ./data}
      web: {port: 0}
      clusters:
        - id: c1
          devices:
            - {id: cdu_c1, kind: cdu, interval: 1m, source: {type: push, match: {meter: cdu_c1}, units: {energy_kwh: kWh, power_w: W}}}
          racks:
            - id: c1-r1
              devices:
                - {id: it_c1a, kind: pdu, interval: 1m, source: {type: push, match: {meter: it_c1a}, units: {energy_kwh: kWh, power_w: W}}}
                - {id: it_c1b, kind: pdu, interval: 1m, source: {type: push, match: {meter: it_c1b}, units: {energy_kwh: kWh, power_w: W}}}
        - id: c2
          racks:
            - id: c2-r1
              devices:
                - {id: it_c2, kind: pdu, interval: 1m, source: {type: push, match: {meter: it_c2}, units: {energy_kwh: kWh, power_w: W}}}
      devices:
        - id: fac
          kind: meter
          interval: 1m
          source: {type: push, match: {meter: fac}, counterWidth: {energy_kwh: 4294967.296}, units: {energy_kwh: kWh, power_w: W}}
        - {id: chiller, kind: meter, interval: 1m, source: {type: push, match: {meter: chiller}, units: {energy_kwh: kWh, power_w: W}}}
      energy:
        itLevel: pdu-output
        facility: [{device: fac}]
        it: [{kind: pdu}]
        cooling: [{kind: cdu}, {device: chiller}]
      analytics:
        powerGapLimit: 5m
        coverageThreshold: 0.9
        carbon:
          source: {type: csv, file: intensity.csv}
          residualMixGPerKwh: 420
          instruments:
            - {name: ppa-solar, kind: ppa, granularity: hour, mwh: 0.5, from: 2026-10-01T00:00:00Z, to: 2026-11-01T00:00:00Z}
            - {name: goo-oct, kind: certificate, mwh: 300, from: 2026-09-30T22:00:00Z, to: 2026-10-31T23:00:00Z}
      """;

  @Test
  void importReportAndApiMatchTheIndependentComputation() throws Exception {
    Path month = dir.resolve("month");
    JsonNode expected = JSON.readTree(AuditMonthScripts.generate(month, 1).toFile());
    Files.copy(month.resolve("intensity.csv"), dir.resolve("intensity.csv"));
    Path config = dir.resolve("site.yaml");
    Files.writeString(config, SITE);

    int imported =
        Main.execute(
            "import", "--config", config.toString(), month.resolve("month.lp.gz").toString());
    assertThat(imported).isEqualTo(Main.EXIT_OK);

    // The audit document, as JSON.
    Path report = dir.resolve("october.json");
    int made =
        Main.execute(
            "report",
            "--config",
            config.toString(),
            "--from",
            FROM,
            "--to",
            TO,
            "--format",
            "json",
            "--out",
            report.toString());
    assertThat(made).isEqualTo(Main.EXIT_OK);
    var figures = new HashMap<String, JsonNode>();
    for (JsonNode f : JSON.readTree(report.toFile()).get("figures")) {
      figures.put(
          f.get("section").asText() + "/" + f.get("scope").asText() + "/" + f.get("field").asText(),
          f.get("value"));
    }
    JsonNode whole = expected.at("/steps/whole/0");
    close("report e_dc", figures.get("headline/site/e_dc"), whole.at("/energy_kwh/facility"));
    close("report e_it", figures.get("headline/site/e_it"), whole.at("/energy_kwh/it"));
    close(
        "report e_cooling",
        figures.get("headline/site/e_cooling"),
        whole.at("/energy_kwh/cooling"));
    close("report pue", figures.get("headline/site/pue"), whole.at("/pue/value"));
    close("report coverage", figures.get("headline/site/coverage"), whole.at("/coverage/T"));
    close(
        "report location kg",
        figures.get("carbon/site/location_kgco2e"),
        whole.at("/carbon/location_kg"));
    close(
        "report market kg",
        figures.get("carbon/site/market_kgco2e"),
        whole.at("/carbon/market_kg"));
    close(
        "report CUE location", figures.get("carbon/site/cue_location"), whole.at("/cue/location"));
    close("report CUE market", figures.get("carbon/site/cue_market"), whole.at("/cue/market"));
    for (String c : new String[] {"c1", "c2"}) {
      close(
          "report " + c + " share",
          figures.get("cluster/" + c + "/facility_share_kwh"),
          whole.at("/clusters/" + c + "/share_kwh"));
      close(
          "report " + c + " PUE",
          figures.get("cluster/" + c + "/pue"),
          whole.at("/clusters/" + c + "/pue"));
    }

    // What the rules did, per meter, as the computation used it.
    JsonNode fac = expected.at("/meters/fac");
    for (int i = 0; i < fac.get("resets").size(); i++) {
      JsonNode r = fac.get("resets").get(i);
      String k = "meter/facility/fac/reset" + (i + 1) + "/";
      close("report reset fill " + i, figures.get(k + "fill_kwh"), r.get("fill_kwh"));
      assertThat(figures.get(k + "rule").asText())
          .isEqualTo(r.get("rule").asText().equals("c1") ? "new-register" : "power-trapezoid");
    }
    assertThat(figures.get("meter/facility/fac/resets").asLong())
        .isEqualTo(fac.get("resets").size());
    assertThat(figures.get("meter/facility/fac/wraps").asLong()).isEqualTo(fac.get("wraps").size());
    for (String m : new String[] {"it_c1a", "it_c1b", "it_c2"}) {
      JsonNode e = expected.at("/meters/" + m);
      double leftMinutes = 0;
      for (JsonNode g : e.get("left")) {
        leftMinutes += g.get("gap_s").asDouble() / 60;
      }
      assertThat(figures.get("meter/it/" + m + "/gaps_left").asLong())
          .as(m)
          .isEqualTo(e.get("left").size());
      assertThat(figures.get("meter/it/" + m + "/gaps_left_minutes").asDouble())
          .as(m)
          .isCloseTo(leftMinutes, org.assertj.core.api.Assertions.within(1e-6));
      close(
          "report " + m + " kWh",
          figures.get("meter/it/" + m + "/energy_kwh"),
          e.get("energy_kwh"));
    }

    // The running server.
    var site = ConfigLoader.load(config);
    try (var app = Kilowatch.start(site, 0)) {
      var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      for (var set : Map.of("whole", "whole", "day", "day", "hour", "1h").entrySet()) {
        JsonNode pue =
            get(http, app.url() + "api/pue?from=" + FROM + "&to=" + TO + "&step=" + set.getValue());
        JsonNode carbon =
            get(
                http,
                app.url() + "api/carbon?from=" + FROM + "&to=" + TO + "&step=" + set.getValue());
        JsonNode steps = expected.at("/steps/" + set.getKey());
        assertThat(pue.get("steps")).as(set.getKey()).hasSize(steps.size());
        for (int i = 0; i < steps.size(); i++) {
          JsonNode e = steps.get(i);
          JsonNode s = pue.get("steps").get(i);
          String at = set.getKey() + " " + e.get("start").asText();
          assertThat(s.get("start").asText()).as(at).isEqualTo(e.get("start").asText());
          close(at + " facility", s.get("facilityKwh"), e.at("/energy_kwh/facility"));
          close(at + " IT", s.get("itKwh"), e.at("/energy_kwh/it"));
          close(at + " T coverage", s.get("coverage"), e.at("/coverage/T"));
          assertThat(s.get("status").asText()).as(at).isEqualTo(e.at("/pue/status").asText());
          close(at + " PUE", s.get("pue"), e.at("/pue/value"));
          JsonNode c = carbon.at("/report/steps/" + i);
          if (c.isMissingNode()) {
            c = carbon.at("/steps/" + i);
          }
          if (e.at("/carbon/hours_with_intensity").asInt() > 0) {
            close(at + " location kg", c.get("locationKg"), e.at("/carbon/location_kg"));
            close(at + " market kg", c.get("marketKg"), e.at("/carbon/market_kg"));
          }
        }
      }
    }
  }

  private static JsonNode get(HttpClient http, String url) throws Exception {
    var r =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(2)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private static void close(String what, JsonNode actual, JsonNode expected) {
    if (expected == null || expected.isNull()) {
      assertThat(actual == null || actual.isNull() || actual.asText().isEmpty())
          .as(what + ": " + actual)
          .isTrue();
      return;
    }
    assertThat(actual).as(what).isNotNull();
    double a = actual.isNumber() ? actual.asDouble() : Double.parseDouble(actual.asText());
    double e = expected.asDouble();
    assertThat(Math.abs(a - e))
        .as("%s: %s, expected %s", what, a, e)
        .isLessThanOrEqualTo(1e-9 * Math.max(Math.abs(e), 1e-3));
  }
}
