package io.kilowatch.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.AnalyticsConfig;
import io.kilowatch.config.AnalyticsConfig.WaterClass;
import io.kilowatch.config.EnergyModel;
import io.kilowatch.config.StoreConfig;
import io.kilowatch.simulator.CduReading;
import io.kilowatch.simulator.DemoOptions;
import io.kilowatch.simulator.GpuReading;
import io.kilowatch.simulator.NodeReading;
import io.kilowatch.simulator.SiteModel;
import io.kilowatch.simulator.SiteSnapshot;
import io.kilowatch.store.Sample;
import io.kilowatch.store.Store;
import io.kilowatch.store.embedded.EmbeddedStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's pump fault on cluster c2, played through the simulator's physics and stored as the
 * collectors would store it: c2's risk must leave "ok" before any of its GPUs reaches its slowdown
 * temperature, while c1 stays ok.
 */
class DemoCoolingFaultTest {
  static final Instant START = Instant.parse("2026-07-01T12:00:00Z");

  @TempDir Path dir;

  @Test
  void theDemoPumpFaultRaisesClusterTwosRiskBeforeItsGpusReachSlowdown() {
    var analytics =
        new AnalyticsConfig(
            Duration.ofMinutes(5),
            0.9,
            null,
            Duration.ofMinutes(5),
            Map.of("c1", WaterClass.W32, "c2", WaterClass.W32),
            95,
            AnalyticsConfig.CarbonConfig.NONE,
            null,
            null,
            AnalyticsConfig.Declared.NONE);
    var site =
        TestSites.site(
            dir,
            ZoneOffset.UTC,
            List.of(),
            List.of(),
            List.of(),
            new EnergyModel(
                EnergyModel.ItLevel.IT_INPUT,
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of()),
            analytics);
    var model = new SiteModel(DemoOptions.defaults(), START);
    try (Store store = EmbeddedStore.open(StoreConfig.embedded(dir))) {
      var risk = new RiskEngine(site, store);
      Instant firstC2Alert = null;
      RiskLevel c2Peak = RiskLevel.OK;
      Instant firstAtSlowdown = null;
      var c1Levels = new ArrayList<RiskLevel>();
      var batch = new ArrayList<Sample>();
      // Poll every 5 s as the demo does; assess every 15 s. The first fault starts at 90 s and
      // ramps the pump down over a minute; GPUs reach 87 °C about 90 s later. Five minutes cover
      // the onset, which is what the risk must anticipate.
      for (int s = 5; s <= 5 * 60; s += 5) {
        SiteSnapshot snap = model.advance(Duration.ofSeconds(5));
        Instant t = START.plusSeconds(s);
        batch.addAll(samples(snap, t));
        for (GpuReading g : snap.gpus("c2")) {
          if (firstAtSlowdown == null && g.gpuTempC() >= g.slowdownTempC()) {
            firstAtSlowdown = t;
          }
        }
        if (s % 15 == 0) {
          store.write(batch);
          batch.clear();
          var report = risk.assess(t);
          RiskLevel c2 = report.cluster("c2").level();
          c2Peak = c2Peak.max(c2);
          if (firstC2Alert == null && c2 != RiskLevel.OK) {
            firstC2Alert = t;
          }
          c1Levels.add(report.cluster("c1").level());
        }
      }
      assertThat(firstC2Alert).as("c2 risk rose above ok").isNotNull();
      if (firstAtSlowdown != null) {
        assertThat(firstC2Alert).isBefore(firstAtSlowdown);
      }
      assertThat(c2Peak).isGreaterThanOrEqualTo(RiskLevel.WARNING);
      assertThat(c1Levels).isNotEmpty().containsOnly(RiskLevel.OK);
    }
  }

  /** The samples the dcgm and OPC UA collectors would write for one snapshot. */
  static List<Sample> samples(SiteSnapshot snap, Instant t) {
    var out = new ArrayList<Sample>();
    for (NodeReading n : snap.nodes()) {
      for (GpuReading g : n.gpus()) {
        out.add(
            Sample.of(
                t,
                "gpu",
                Map.of(
                    "cluster", n.clusterId(),
                    "rack", n.rackId(),
                    "device", n.id(),
                    "gpu", Integer.toString(g.index()),
                    "gpu_uuid", g.uuid()),
                Map.of(
                    "temp_c", g.gpuTempC(),
                    "mem_temp_c", g.memoryTempC(),
                    "slowdown_temp_c", g.slowdownTempC(),
                    "clocks_event_reasons", (double) g.clockEventReasons(),
                    "thermal_violation_ns", (double) g.thermalViolationNs(),
                    "power_w", g.powerW())));
      }
    }
    for (CduReading c : snap.cdus()) {
      out.add(
          Sample.of(
              t,
              "cooling_loop",
              Map.of("cluster", c.clusterId(), "device", c.id()),
              Map.of(
                  "supply_temp_c", c.secondarySupplyC(),
                  "flow_lpm", c.secondaryFlowLpm(),
                  "diff_pressure_kpa", c.diffPressureKpa())));
    }
    return out;
  }
}
