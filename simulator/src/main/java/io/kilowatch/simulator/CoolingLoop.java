package io.kilowatch.simulator;

import java.util.random.RandomGenerator;

/**
 * One CDU and the secondary loop it drives. The pump controller runs 70–80 % with load; flow is
 * proportional to pump speed; the loop's ΔT is heat / (0.0697 × flow) (water, kW, L/min, K); the
 * heat exchanger's approach to the facility water grows with load and as flow drops; the pump's
 * power follows the cube of its speed. A fault drags the pump down to about 30 %.
 */
final class CoolingLoop {
  static final double FLOW_AT_FULL_SPEED_LPM = 600;
  static final double NOMINAL_FLOW_LPM = 0.75 * FLOW_AT_FULL_SPEED_LPM;
  static final double DESIGN_HEAT_KW = 120;
  static final double FAULT_PUMP_PCT = 30;
  static final double PRIMARY_FLOW_LPM = 420;
  static final double WATER_KW_PER_LPM_K = 0.0697;

  final String id;
  final String clusterId;
  private final RandomGenerator rng;
  private final double reservoirPhase;
  private boolean initialised;
  private double pumpPct;
  private double flowLpm;
  private double deltaTK;
  private double approachK;
  private double primarySupplyC;
  private double diffPressureKpa;
  private double powerW;
  private double energyKwh;
  private double reservoirPct;

  CoolingLoop(String id, String clusterId, RandomGenerator rng) {
    this.id = id;
    this.clusterId = clusterId;
    this.rng = rng;
    this.reservoirPhase = rng.nextDouble(0, 2 * Math.PI);
    this.energyKwh = rng.nextDouble(20_000, 50_000);
  }

  /**
   * @param tS simulated seconds since start
   * @param heatKw heat the cluster puts into the loop
   * @param faultSeverity 0 healthy pump, 1 fully degraded
   * @param facilitySupplyC facility (primary) water supply temperature
   */
  void step(double tS, double dtS, double heatKw, double faultSeverity, double facilitySupplyC) {
    double load = Lag.clamp(heatKw / DESIGN_HEAT_KW, 0, 1.2);
    double healthyPct = 70 + 10 * Math.min(1, load);
    double targetPct = healthyPct * (1 - faultSeverity) + FAULT_PUMP_PCT * faultSeverity;
    pumpPct =
        initialised
            ? Lag.toward(pumpPct, targetPct, 4, dtS) + rng.nextGaussian() * 0.15
            : targetPct;
    flowLpm = Math.max(1, FLOW_AT_FULL_SPEED_LPM * pumpPct / 100 + rng.nextGaussian() * 0.8);
    double relFlow = flowLpm / NOMINAL_FLOW_LPM;
    double targetDeltaT = heatKw / (WATER_KW_PER_LPM_K * flowLpm);
    double targetApproach = 1 + 2 * load / Math.pow(relFlow, 0.7);
    if (!initialised) {
      deltaTK = targetDeltaT;
      approachK = targetApproach;
      primarySupplyC = facilitySupplyC;
    } else {
      deltaTK = Lag.toward(deltaTK, targetDeltaT, 20, dtS);
      approachK = Lag.toward(approachK, targetApproach, 45, dtS);
      primarySupplyC = Lag.toward(primarySupplyC, facilitySupplyC, 30, dtS);
    }
    double speed = pumpPct / 100;
    diffPressureKpa = 150 * speed * speed + rng.nextGaussian() * 0.3;
    // The draw held since the last step is what this step counts (see SiteModel on counters).
    energyKwh += powerW * dtS / 3_600_000;
    powerW = 300 + 4000 * speed * speed * speed + rng.nextGaussian() * 10;
    reservoirPct =
        80 + 1.5 * Math.sin(2 * Math.PI * tS / 21_600 + reservoirPhase) + rng.nextGaussian() * 0.05;
    initialised = true;
  }

  double secondarySupplyC() {
    return primarySupplyC + approachK;
  }

  /** Coolant at the cold plates: part way between loop supply and return. */
  double coolantAtGpusC() {
    return secondarySupplyC() + 0.5 * deltaTK;
  }

  double relativeFlow() {
    return flowLpm / NOMINAL_FLOW_LPM;
  }

  double heatRemovedKw() {
    return WATER_KW_PER_LPM_K * flowLpm * deltaTK;
  }

  double powerW() {
    return powerW;
  }

  CduReading reading() {
    double heat = heatRemovedKw();
    double primaryReturn = primarySupplyC + heat / (WATER_KW_PER_LPM_K * PRIMARY_FLOW_LPM);
    return new CduReading(
        id,
        clusterId,
        primarySupplyC,
        primaryReturn,
        secondarySupplyC(),
        secondarySupplyC() + deltaTK,
        flowLpm,
        diffPressureKpa,
        pumpPct,
        heat,
        reservoirPct,
        0,
        powerW,
        energyKwh);
  }
}
