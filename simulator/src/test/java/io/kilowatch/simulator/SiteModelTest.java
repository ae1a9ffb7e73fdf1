package io.kilowatch.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

class SiteModelTest {
  private static final Instant START = Instant.parse("2026-06-01T10:00:00Z");

  private static SiteModel model(DemoOptions options) {
    return new SiteModel(options, START);
  }

  @Test
  void mainMeterIsItPlusCoolingPlusLossesPlusOtherAtEveryInstant() {
    SiteModel model = model(DemoOptions.defaults());
    for (int i = 0; i < 20; i++) {
      SiteSnapshot s = model.advance(Duration.ofMinutes(3));
      double parts = s.itPowerW() + s.coolingPowerW() + s.lossesW() + s.otherW();
      assertThat(s.facilityPowerW()).isCloseTo(parts, within(1e-6 * parts));
      // IT metered at the PDUs is exactly what the nodes draw.
      double nodes = s.nodes().stream().mapToDouble(NodeReading::powerW).sum();
      assertThat(s.itPowerW()).isCloseTo(nodes, within(1e-6 * nodes));
    }
  }

  @Test
  void theThreeFeedsOfARackAddUpToItsNodesAndFeedCsOutletsToFeedC() {
    SiteSnapshot s = model(DemoOptions.defaults()).advance(Duration.ofMinutes(7));
    for (SiteLayout.RackSpec rack : SiteLayout.demo().racks()) {
      List<NodeReading> nodes =
          s.nodes().stream().filter(n -> n.rackId().equals(rack.id())).toList();
      double rackW = nodes.stream().mapToDouble(NodeReading::powerW).sum();
      double a = s.pdu(rack.pduIds().get(0)).powerW();
      double b = s.pdu(rack.pduIds().get(1)).powerW();
      PduReading c = s.pdu(rack.snmpPduId());
      assertThat(a + b + c.powerW()).isCloseTo(rackW, within(1e-6 * rackW));
      // Feed C: one phase, outlet i feeds node i with the same share of every node.
      assertThat(c.phases()).hasSize(1);
      assertThat(c.outlets()).hasSize(nodes.size());
      double outlets = c.outlets().stream().mapToDouble(PduReading.Outlet::powerW).sum();
      assertThat(outlets).isCloseTo(c.powerW(), within(1e-6 * outlets));
      // Each outlet's register started at its share of the PDU's and counts what it carries.
      double outletsWh = c.outlets().stream().mapToDouble(PduReading.Outlet::energyWh).sum();
      assertThat(outletsWh).isCloseTo(c.energyWh(), within(1e-6 * outletsWh));
      for (int i = 0; i < nodes.size(); i++) {
        double share = c.outlets().get(i).powerW() / nodes.get(i).powerW();
        assertThat(share).isBetween(0.19, 0.21);
        assertThat(share).isCloseTo(c.powerW() / rackW, within(1e-9));
      }
      // A and B split the rest about evenly and keep three phases.
      assertThat(a / (a + b)).isBetween(0.47, 0.53);
      assertThat(s.pdu(rack.pduIds().get(0)).outlets()).isEmpty();
    }
  }

  @Test
  void energyCountersBalanceOverAnHour() {
    SiteModel model = model(DemoOptions.defaults());
    SiteSnapshot before = model.advance(Duration.ofMinutes(5));
    SiteSnapshot after = model.advance(Duration.ofHours(1));

    double main = after.mainMeter().energyWh() - before.mainMeter().energyWh();
    double it = after.itEnergyWh() - before.itEnergyWh();
    double cooling =
        after.coolingPlant().energyWh()
            - before.coolingPlant().energyWh()
            + after.cduEnergyWh()
            - before.cduEnergyWh();
    double losses = after.lossesEnergyWh() - before.lossesEnergyWh();
    double other = after.otherEnergyWh() - before.otherEnergyWh();

    assertThat(main).isCloseTo(it + cooling + losses + other, within(1e-6 * main));
    // An hour of a ~200 kW hall.
    assertThat(it).isBetween(100_000.0, 240_000.0);
  }

  @Test
  void pueStaysInARealisticBandAndMovesWithLoad() {
    SiteModel model = model(DemoOptions.defaults().withCoolingFaults(false));
    double min = Double.MAX_VALUE;
    double max = 0;
    for (int i = 0; i < 48; i++) {
      SiteSnapshot s = model.advance(Duration.ofMinutes(30));
      assertThat(s.pue()).as("PUE at %s", s.elapsed()).isBetween(1.1, 1.4);
      min = Math.min(min, s.pue());
      max = Math.max(max, s.pue());
    }
    assertThat(max - min).as("PUE varies over a day").isGreaterThan(0.01);
  }

  @Test
  void aReadBetweenStepsHoldsTheEnergyUpToThatInstantWithoutMovingTheState() {
    SiteModel model = model(DemoOptions.defaults());
    SiteSnapshot stepped = model.advance(Duration.ofSeconds(30));
    PduReading pdu = stepped.pdus().getFirst();
    MeterReading main = stepped.mainMeter();

    model.advance(Duration.ofMillis(400));
    SiteSnapshot mid = model.reading();
    // The draw holds until the next step: 0.4 s at P watts is P * 0.4 / 3600 Wh.
    assertThat(mid.pdus().getFirst().energyWh())
        .isCloseTo(pdu.energyWh() + pdu.powerW() * 0.4 / 3600, within(1e-6));
    assertThat(mid.mainMeter().energyWh())
        .isCloseTo(main.energyWh() + main.powerW() * 0.4 / 3600, within(1e-6));

    SiteSnapshot next = model.advance(Duration.ofMillis(600));
    // The step counts the draw it replaces, so the counter goes on from where the read left it,
    // whatever the new draw: a full second at the old power, never less than the read showed.
    assertThat(next.pdus().getFirst().energyWh())
        .isCloseTo(pdu.energyWh() + pdu.powerW() / 3600, within(1e-6));
    assertThat(next.mainMeter().energyWh())
        .isCloseTo(main.energyWh() + main.powerW() / 3600, within(1e-6));

    // Reading stored nothing: the same total advance in one go gives the same counters.
    SiteSnapshot once = model(DemoOptions.defaults()).advance(Duration.ofSeconds(31));
    assertThat(once.mainMeter().energyWh()).isEqualTo(next.mainMeter().energyWh());
    assertThat(once.pdus().getFirst().energyWh()).isEqualTo(next.pdus().getFirst().energyWh());
  }

  @Test
  void countersOnlyGrow() {
    SiteModel model = model(DemoOptions.defaults());
    SiteSnapshot previous = model.snapshot();
    for (int i = 0; i < 30; i++) {
      SiteSnapshot s = model.advance(Duration.ofSeconds(17));
      assertThat(s.mainMeter().energyWh()).isGreaterThan(previous.mainMeter().energyWh());
      assertThat(s.coolingPlant().energyWh()).isGreaterThan(previous.coolingPlant().energyWh());
      for (int p = 0; p < s.pdus().size(); p++) {
        assertThat(s.pdus().get(p).energyWh()).isGreaterThan(previous.pdus().get(p).energyWh());
      }
      for (int c = 0; c < s.cdus().size(); c++) {
        assertThat(s.cdus().get(c).energyKwh()).isGreaterThan(previous.cdus().get(c).energyKwh());
      }
      for (int n = 0; n < s.nodes().size(); n++) {
        List<GpuReading> now = s.nodes().get(n).gpus();
        List<GpuReading> then = previous.nodes().get(n).gpus();
        for (int g = 0; g < now.size(); g++) {
          assertThat(now.get(g).energyMj()).isGreaterThan(then.get(g).energyMj());
          assertThat(now.get(g).thermalViolationNs())
              .isGreaterThanOrEqualTo(then.get(g).thermalViolationNs());
        }
      }
      previous = s;
    }
  }

  @Test
  void readingsArePhysicallyConsistent() {
    SiteSnapshot s = model(DemoOptions.defaults()).advance(Duration.ofMinutes(10));
    for (PduReading pdu : s.pdus()) {
      for (PduReading.Phase phase : pdu.phases()) {
        assertThat(phase.voltageV()).isBetween(220.0, 240.0);
        assertThat(phase.currentA()).isCloseTo(phase.powerW() / phase.voltageV(), within(1e-9));
      }
    }
    for (CduReading cdu : s.cdus()) {
      // Water: kW = 0.0697 x L/min x K (reference.md section 5).
      double deltaT = cdu.secondaryReturnC() - cdu.secondarySupplyC();
      assertThat(cdu.heatRemovedKw())
          .isCloseTo(0.0697 * cdu.secondaryFlowLpm() * deltaT, within(0.01));
      assertThat(cdu.heatRemovedKw() * 1000)
          .isCloseTo(s.itPowerW(cdu.clusterId()), within(0.1 * s.itPowerW(cdu.clusterId())));
      assertThat(cdu.pumpSpeedPct()).isBetween(68.0, 82.0);
      assertThat(cdu.primarySupplyC()).isBetween(24.0, 28.0);
      assertThat(cdu.secondarySupplyC()).isGreaterThan(cdu.primarySupplyC());
      assertThat(cdu.powerW()).isBetween(1000.0, 5000.0);
    }
    for (GpuReading gpu : s.gpus("c1")) {
      assertThat(gpu.powerW()).isBetween(60.0, 700.0);
      assertThat(gpu.gpuTempC()).isBetween(28.0, 75.0);
      assertThat(gpu.memoryTempC()).isGreaterThan(gpu.gpuTempC());
      assertThat(gpu.uuid()).startsWith("GPU-");
    }
    assertThat(s.itPowerW()).isBetween(80_000.0, 240_000.0);
  }

  @Test
  void pumpFaultHeatsClusterTwoOnly() {
    SiteModel model = model(DemoOptions.defaults());
    SiteSnapshot before = model.advance(Duration.ofSeconds(85));
    assertThat(model.coolingFaultActive()).isFalse();
    // 90 s until the fault starts, 60 s of ramp, then 4 min into the degraded plateau.
    SiteSnapshot during = model.advance(Duration.ofSeconds(5 + 60 + 240));
    assertThat(model.coolingFaultActive()).isTrue();

    CduReading c2Before = before.cdu("c2-cdu");
    CduReading c2During = during.cdu("c2-cdu");
    assertThat(c2During.pumpSpeedPct()).isBetween(28.0, 36.0);
    assertThat(c2During.secondaryFlowLpm()).isLessThan(c2Before.secondaryFlowLpm() * 0.5);
    assertThat(c2During.secondarySupplyC()).isGreaterThan(c2Before.secondarySupplyC() + 0.5);
    double deltaTBefore = c2Before.secondaryReturnC() - c2Before.secondarySupplyC();
    double deltaTDuring = c2During.secondaryReturnC() - c2During.secondarySupplyC();
    assertThat(deltaTDuring).isGreaterThan(deltaTBefore * 1.5);

    double c2HottestBefore = hottest(before, "c2");
    double c2HottestDuring = hottest(during, "c2");
    assertThat(c2HottestDuring).isGreaterThan(c2HottestBefore + 10);
    // Towards the slowdown threshold, but the GPUs' own throttling keeps them from running away.
    assertThat(c2HottestDuring).isBetween(80.0, NodeSim.SLOWDOWN_C + 4);
    assertThat(hottest(during, "c1")).isLessThan(72.0);
    assertThat(during.cdu("c1-cdu").pumpSpeedPct()).isBetween(68.0, 82.0);
  }

  @Test
  void gpusPastSlowdownCarryThermalClockEventBitsAndViolationTime() {
    SiteModel model = model(DemoOptions.defaults());
    model.advance(Duration.ofSeconds(90 + 60 + 240));
    SiteSnapshot during = model.snapshot();
    List<GpuReading> throttled =
        during.gpus("c2").stream()
            .filter(g -> ClockEventReasons.thermal(g.clockEventReasons()))
            .toList();
    assertThat(throttled).isNotEmpty();
    assertThat(throttled).allSatisfy(g -> assertThat(g.thermalViolationNs()).isPositive());
    assertThat(during.gpus("c1")).noneMatch(g -> ClockEventReasons.thermal(g.clockEventReasons()));
    // Cool again some minutes after the fault ends (fault: 90 s + 60 s + 6 min + 60 s).
    SiteSnapshot after = model.advance(Duration.ofMinutes(8));
    assertThat(model.coolingFaultActive()).isFalse();
    assertThat(hottest(after, "c2")).isLessThan(72.0);
  }

  @Test
  void noFaultsWhenDisabled() {
    SiteModel model = model(DemoOptions.defaults().withCoolingFaults(false));
    SiteSnapshot s = model.advance(Duration.ofMinutes(6));
    assertThat(model.coolingFaultActive()).isFalse();
    assertThat(s.cdu("c2-cdu").pumpSpeedPct()).isBetween(68.0, 82.0);
    assertThat(hottest(s, "c2")).isLessThan(72.0);
  }

  @Test
  void sameSeedGivesSameSiteWhateverTheTickJitter() {
    SiteModel a = model(DemoOptions.defaults());
    SiteModel b = model(DemoOptions.defaults());
    a.advance(Duration.ofSeconds(120));
    for (int i = 0; i < 120; i++) {
      b.advance(Duration.ofMillis(i % 2 == 0 ? 700 : 1300));
    }
    assertThat(b.snapshot()).isEqualTo(a.snapshot());
    SiteModel other = model(DemoOptions.defaults().withSeed(7));
    other.advance(Duration.ofSeconds(120));
    assertThat(other.snapshot().itPowerW()).isNotEqualTo(a.snapshot().itPowerW());
  }

  @Test
  void someGpusRunIntoTheirPowerCapAndIdleOnesSayIdle() {
    SiteModel model = model(DemoOptions.defaults().withCoolingFaults(false));
    boolean capped = false;
    boolean idle = false;
    for (int i = 0; i < 24 && !(capped && idle); i++) {
      SiteSnapshot s = model.advance(Duration.ofMinutes(5));
      for (NodeReading node : s.nodes()) {
        for (GpuReading g : node.gpus()) {
          if ((g.clockEventReasons() & ClockEventReasons.SW_POWER_CAP) != 0) {
            capped = true;
            assertThat(g.powerW()).isCloseTo(g.powerLimitW(), within(1.0));
          }
          if ((g.clockEventReasons() & ClockEventReasons.GPU_IDLE) != 0) {
            idle = true;
            assertThat(g.powerW()).isLessThan(90.0);
          }
        }
      }
    }
    assertThat(capped).isTrue();
    assertThat(idle).isTrue();
  }

  private static double hottest(SiteSnapshot s, String cluster) {
    return s.gpus(cluster).stream()
        .max(Comparator.comparingDouble(GpuReading::gpuTempC))
        .orElseThrow()
        .gpuTempC();
  }
}
