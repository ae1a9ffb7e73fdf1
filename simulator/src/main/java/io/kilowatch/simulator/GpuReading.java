package io.kilowatch.simulator;

/**
 * One GPU's state as dcgm-exporter would report it.
 *
 * @param clockEventReasons NVML clocks-event bitmask (see {@link ClockEventReasons})
 * @param energyMj energy since boot in millijoules
 * @param thermalViolationNs cumulative time spent thermally throttled
 */
public record GpuReading(
    int index,
    String uuid,
    double utilPct,
    double powerW,
    double powerLimitW,
    double energyMj,
    double gpuTempC,
    double memoryTempC,
    double slowdownTempC,
    double shutdownTempC,
    int smClockMhz,
    long clockEventReasons,
    long thermalViolationNs) {

  /** Degrees left before the GPU slows itself down. */
  public double marginC() {
    return slowdownTempC - gpuTempC;
  }
}
