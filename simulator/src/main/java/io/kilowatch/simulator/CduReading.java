package io.kilowatch.simulator;

/**
 * One coolant distribution unit: the primary (facility water) side, the secondary (technology
 * cooling) loop it drives, and its own electrical draw.
 *
 * @param leakState 0 ok, 1 warning, 2 critical
 */
public record CduReading(
    String id,
    String clusterId,
    double primarySupplyC,
    double primaryReturnC,
    double secondarySupplyC,
    double secondaryReturnC,
    double secondaryFlowLpm,
    double diffPressureKpa,
    double pumpSpeedPct,
    double heatRemovedKw,
    double reservoirLevelPct,
    int leakState,
    double powerW,
    double energyKwh) {

  /** This reading with the energy register carried on at the present draw for {@code seconds}. */
  public CduReading after(double seconds) {
    return new CduReading(
        id,
        clusterId,
        primarySupplyC,
        primaryReturnC,
        secondarySupplyC,
        secondaryReturnC,
        secondaryFlowLpm,
        diffPressureKpa,
        pumpSpeedPct,
        heatRemovedKw,
        reservoirLevelPct,
        leakState,
        powerW,
        energyKwh + powerW * seconds / 3_600_000);
  }
}
