package io.kilowatch.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kilowatch.alerts.Alert;
import io.kilowatch.alerts.AlertEngine;
import io.kilowatch.alerts.AlertState;
import io.kilowatch.alerts.DeliveryOptions;
import io.kilowatch.analytics.Analytics;
import io.kilowatch.analytics.EnergySeries;
import io.kilowatch.analytics.PueReport;
import io.kilowatch.analytics.Risk;
import io.kilowatch.analytics.StepPlan;
import io.kilowatch.analytics.report.CanonicalText;
import io.kilowatch.analytics.report.ReportBuilder;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One site, measured once, configured three ways: power in W, kW and MW; energy in Wh, kWh and MWh;
 * coolant supply in °C and K; flow in L/min and m³/h. The stored values are what such devices would
 * report (converted here with the definitions: 1 kW = 1000 W, 1 kWh = 1000 Wh, T/K = T/°C + 273.15,
 * 1 m³/h = 1000 L / 60 min), and every figure kilowatch derives must come out the same: energy,
 * PUE, risk, alerts and the report.
 *
 * <p>The site, in W, Wh, °C and L/min, over two hours from {@link #T0}: the facility meter counts
 * 150 kW steadily (300 kWh); the PDU reports only power, ramping from 100 kW to 120 kW (trapezoid:
 * 100 × 2 + 10 × 2² / 2 = 220 kWh); the CDU reports 20 kW (40 kWh). PUE = 300 / 220. The loop
 * supply rises 0.03 °C per minute from 30 °C (33.6 °C at two hours) and its flow falls from 400 to
 * 200 L/min at minute 100.
 */
class UnitsThreeWaysTest {
  static final Instant T0 = Instant.parse("2026-11-02T00:00:00Z");
  static final Instant T2 = T0.plus(Duration.ofHours(2));

  @TempDir Path dir;

  /**
   * One way of writing the site down.
   *
   * @param wattsPer W in one unit of the power points
   * @param whPer Wh in one unit of the energy counters
   * @param kelvin whether the supply temperature is in K (else °C)
   * @param lpmPer L/min in one unit of the flow point
   */
  record Way(
      String name,
      String power,
      String powerField,
      double wattsPer,
      String energy,
      String energyField,
      double whPer,
      String temp,
      String tempField,
      boolean kelvin,
      String flow,
      String flowField,
      double lpmPer) {}

  static final Way W_WH_C_LPM =
      new Way(
          "W",
          "W",
          "power_w",
          1,
          "Wh",
          "energy_wh",
          1,
          "Cel",
          "supply_temp_c",
          false,
          "L/min",
          "flow_lpm",
          1);
  static final Way KW_KWH_K_M3H =
      new Way(
          "kW",
          "kW",
          "power_kw",
          1000,
          "kWh",
          "energy_kwh",
          1000,
          "K",
          "supply_temp",
          true,
          "m3/h",
          "flow",
          1000.0 / 60);
  static final Way MW_MWH_C_LPM =
      new Way(
          "MW",
          "MW",
          "power",
          1e6,
          "MWh",
          "energy",
          1e6,
          "degC",
          "supply_temp",
          false,
          "lpm",
          "flow",
          1);

  static String yaml(Way w) {
    return """
        site: {name: three-ways, timezone: UTC}
        store: {kind: embedded, dataDir: ./data}
        profiles:
          - id: meter
            source: modbus
            addressBase: zero
            points:
              - {name: power, registerType: holding, address: 0, dataType: float32, unit: "%1$s", field: %2$s}
              - {name: energy, registerType: holding, address: 2, dataType: float64, kind: counter, unit: "%3$s", field: %4$s}
          - id: cdu
            source: opcua
            points:
              - {name: power, nodeId: "ns=2;s=P", unit: "%1$s", field: %2$s}
              - {name: supply, nodeId: "ns=2;s=T", unit: "%5$s", measurement: cooling_loop, field: %6$s}
              - {name: flow, nodeId: "ns=2;s=F", unit: "%7$s", measurement: cooling_loop, field: %8$s}
        clusters:
          - id: c1
            devices:
              - {id: cdu1, kind: cdu, profile: cdu, interval: 1m, source: {type: opcua, endpoint: "opc.tcp://127.0.0.1:4840"}}
            racks:
              - id: c1-r1
                devices:
                  - {id: pdu1, kind: pdu, profile: meter, interval: 1m, source: {type: modbus, host: 127.0.0.1}}
        devices:
          - {id: fac, kind: meter, profile: meter, interval: 1m, source: {type: modbus, host: 127.0.0.1}}
        energy:
          itLevel: pdu-output
          facility: [{device: fac, energyField: %4$s, powerField: %2$s}]
          it: [{kind: pdu, energyField: %4$s, powerField: %2$s}]
          cooling: [{kind: cdu, powerField: %2$s}]
        analytics:
          loops: {cdu1: w32}
          carbon:
            source: {type: static, gPerKwh: 56}
        alerts:
          rules:
            - {name: facility-power-high, measurement: meter, field: %2$s, unit: kW, threshold: 140, reduce: last, window: 5m}
            - {name: supply-hot, measurement: cooling_loop, field: %6$s, unit: Cel, threshold: 33, reduce: last, window: 5m}
            - {name: flow-low, measurement: cooling_loop, field: %8$s, unit: L/min, op: below, threshold: 300, reduce: last, window: 5m}
        """
        .formatted(
            w.power(),
            w.powerField(),
            w.energy(),
            w.energyField(),
            w.temp(),
            w.tempField(),
            w.flow(),
            w.flowField());
  }

  /** The readings of minute {@code m}, in the way's units. */
  static List<Sample> readings(Way w, int m) {
    Instant t = T0.plus(Duration.ofMinutes(m));
    double h = m / 60.0;
    double facW = 150_000;
    double facWh = 1_000_000 + 150_000 * h;
    double pduW = 100_000 + 10_000 * h;
    double cduW = 20_000;
    double supplyC = 30 + 0.03 * m;
    double flowLpm = m < 100 ? 400 : 200;
    var out = new ArrayList<Sample>();
    out.add(
        sample(
            t,
            "meter",
            tags("fac", null, null),
            Map.of(w.powerField(), facW / w.wattsPer(), w.energyField(), facWh / w.whPer())));
    out.add(
        sample(t, "pdu", tags("pdu1", "c1", "c1-r1"), Map.of(w.powerField(), pduW / w.wattsPer())));
    out.add(
        sample(t, "cdu", tags("cdu1", "c1", null), Map.of(w.powerField(), cduW / w.wattsPer())));
    out.add(
        sample(
            t,
            "cooling_loop",
            tags("cdu1", "c1", null),
            Map.of(
                w.tempField(),
                w.kelvin() ? supplyC + 273.15 : supplyC,
                w.flowField(),
                flowLpm / w.lpmPer())));
    return out;
  }

  static Map<String, String> tags(String device, String cluster, String rack) {
    var t = new TreeMap<String, String>();
    t.put("site", "three-ways");
    t.put("device", device);
    if (cluster != null) {
      t.put("cluster", cluster);
    }
    if (rack != null) {
      t.put("rack", rack);
    }
    return t;
  }

  static Sample sample(Instant t, String m, Map<String, String> tags, Map<String, Double> f) {
    return Sample.of(t, m, tags, f);
  }

  /** Everything derived from one way, as numbers keyed by what they are. */
  Map<String, Double> figures(Way w) throws Exception {
    Path d = dir.resolve(w.name());
    Files.createDirectories(d);
    Files.writeString(d.resolve("site.yaml"), yaml(w));
    SiteConfig site = ConfigLoader.load(d.resolve("site.yaml"));
    var out = new LinkedHashMap<String, Double>();
    try (Store store = EmbeddedStore.open(site.store())) {
      for (int m = 0; m <= 130; m++) {
        store.write(readings(w, m));
      }
      var analytics =
          new Analytics(site, store, Clock.fixed(T2.plusSeconds(3600), java.time.ZoneOffset.UTC));
      var model = site.energy();
      var hour = new StepPlan.Step.Fixed(Duration.ofHours(1));
      put(out, "facility", analytics.energy().channels("f", model.facility(), T0, T2, hour));
      put(out, "it", analytics.energy().channels("i", model.it(), T0, T2, hour));
      put(out, "cooling", analytics.energy().channels("c", model.cooling(), T0, T2, hour));
      PueReport pue = analytics.pue().compute(T0, T2, hour);
      out.put("pue", pue.window().pue());
      for (int i = 0; i < pue.steps().size(); i++) {
        out.put("pue[" + i + "]", pue.steps().get(i).pue());
      }
      Risk c1 = analytics.risk().assess(T2).cluster("c1");
      out.put("risk.score", c1.score());
      out.put("risk.level", (double) c1.level().ordinal());
      for (Risk.Factor f : c1.factors()) {
        out.put("risk." + f.name(), f.value());
      }
      try (AlertEngine alerts =
          AlertEngine.open(
              site, store, d.resolve("alerts"), Clock.systemUTC(), DeliveryOptions.DEFAULT)) {
        for (Alert a : alerts.evaluate(T2)) {
          out.put("alert." + a.rule(), a.state() == AlertState.INACTIVE ? null : a.value());
          out.put(
              "alert." + a.rule() + ".summary-length",
              (double) a.annotations().get("summary").length());
        }
      }
      var report =
          ReportBuilder.forSite(analytics, store, "test")
              .build(T0, T2, null, ReportBuilder.Progress.NONE);
      for (String line : CanonicalText.csv(report).split("\n")) {
        String[] c = line.split(",", -1);
        if (c.length >= 4 && !c[3].isEmpty() && c[3].matches("-?[0-9.]+")) {
          out.put("report." + c[0] + "." + c[1] + "." + c[2], Double.parseDouble(c[3]));
        }
      }
    }
    return out;
  }

  static void put(Map<String, Double> out, String name, EnergySeries s) {
    out.put(name + ".kwh", s.totalKwh());
    out.put(name + ".coverage", s.coverage());
    for (int i = 0; i < s.steps().size(); i++) {
      out.put(name + "[" + i + "].kwh", s.kwh(i));
    }
  }

  @Test
  void theSameSiteInWattsKilowattsOrMegawattsKelvinOrCelsiusGivesTheSameFigures() throws Exception {
    var w = figures(W_WH_C_LPM);
    // Anchors computed by hand from the site's definition (class comment).
    assertThat(w.get("facility.kwh")).isCloseTo(300, within(1e-9));
    assertThat(w.get("it.kwh")).isCloseTo(220, within(1e-9));
    assertThat(w.get("it[0].kwh")).isCloseTo(105, within(1e-9));
    assertThat(w.get("cooling.kwh")).isCloseTo(40, within(1e-9));
    assertThat(w.get("pue")).isCloseTo(300.0 / 220, within(1e-12));
    // Supply 33.6 °C against the W32 class limit of 32 °C: −1.6 K of headroom; flow halved.
    assertThat(w.get("risk.coolant_supply_headroom_W32")).isCloseTo(-1.6, within(1e-9));
    assertThat(w.get("risk.coolant_flow_drop")).isCloseTo(50, within(1e-9));
    assertThat(w.get("alert.facility-power-high")).isCloseTo(150, within(1e-9));
    assertThat(w.get("alert.supply-hot")).isCloseTo(33.6, within(1e-9));
    assertThat(w.get("alert.flow-low")).isCloseTo(200, within(1e-9));
    assertThat(w.keySet().stream().filter(k -> k.startsWith("report."))).hasSizeGreaterThan(10);

    for (Way other : List.of(KW_KWH_K_M3H, MW_MWH_C_LPM)) {
      var o = figures(other);
      assertThat(o.keySet()).as(other.name()).containsExactlyInAnyOrderElementsOf(w.keySet());
      w.forEach(
          (k, v) -> {
            Double x = o.get(k);
            if (v == null || x == null) {
              assertThat(x).as(other.name() + " " + k).isEqualTo(v);
            } else {
              assertThat(x)
                  .as(other.name() + " " + k)
                  .isCloseTo(v, within(1e-9 * Math.max(1, Math.abs(v))));
            }
          });
    }
  }
}
