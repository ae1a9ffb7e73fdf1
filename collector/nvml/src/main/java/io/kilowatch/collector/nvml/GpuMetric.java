package io.kilowatch.collector.nvml;

import io.kilowatch.store.Vocabulary.Gpu;
import java.lang.foreign.MemorySegment;

/**
 * What kilowatch reads from each GPU, named as the dcgm collector names the same reading, so a GPU
 * looks the same whichever way it was read.
 */
public enum GpuMetric {
  POWER(
      Gpu.POWER_W.name(),
      "nvmlDeviceGetPowerUsage",
      (n, d) -> Milliwatts.TO_WATTS.convert(n.powerUsageMilliwatts(d))),
  POWER_LIMIT(
      Gpu.POWER_LIMIT_W.name(),
      "nvmlDeviceGetEnforcedPowerLimit",
      (n, d) -> Milliwatts.TO_WATTS.convert(n.enforcedPowerLimitMilliwatts(d))),
  ENERGY(
      Gpu.ENERGY_MJ.name(),
      "nvmlDeviceGetTotalEnergyConsumption",
      NvmlLibrary::totalEnergyMillijoules),
  TEMP(
      Gpu.TEMP_C.name(),
      "nvmlDeviceGetTemperature",
      (n, d) -> n.temperature(d, NvmlLibrary.TEMPERATURE_GPU)),
  MEM_TEMP(
      Gpu.MEM_TEMP_C.name(),
      "nvmlDeviceGetFieldValues",
      (n, d) -> n.fieldValue(d, NvmlLibrary.FI_DEV_MEMORY_TEMP)),
  SLOWDOWN_TEMP(
      Gpu.SLOWDOWN_TEMP_C.name(),
      "nvmlDeviceGetTemperatureThreshold",
      (n, d) -> n.temperatureThreshold(d, NvmlLibrary.Threshold.SLOWDOWN)),
  SHUTDOWN_TEMP(
      Gpu.SHUTDOWN_TEMP_C.name(),
      "nvmlDeviceGetTemperatureThreshold",
      (n, d) -> n.temperatureThreshold(d, NvmlLibrary.Threshold.SHUTDOWN)),
  GPU_MAX_TEMP(
      Gpu.GPU_MAX_TEMP_C.name(),
      "nvmlDeviceGetTemperatureThreshold",
      (n, d) -> n.temperatureThreshold(d, NvmlLibrary.Threshold.GPU_MAX)),
  MEM_MAX_TEMP(
      Gpu.MEM_MAX_TEMP_C.name(),
      "nvmlDeviceGetTemperatureThreshold",
      (n, d) -> n.temperatureThreshold(d, NvmlLibrary.Threshold.MEM_MAX)),
  MARGIN(Gpu.MARGIN_C.name(), "nvmlDeviceGetMarginTemperature", NvmlLibrary::marginTemperature),
  UTIL(Gpu.UTIL_PCT.name(), "nvmlDeviceGetUtilizationRates", (n, d) -> n.utilization(d)[0]),
  MEM_UTIL(Gpu.MEM_UTIL_PCT.name(), "nvmlDeviceGetUtilizationRates", (n, d) -> n.utilization(d)[1]),
  SM_CLOCK(
      Gpu.SM_CLOCK_MHZ.name(),
      "nvmlDeviceGetClockInfo",
      (n, d) -> n.clockMhz(d, NvmlLibrary.CLOCK_SM)),
  MEM_CLOCK(
      Gpu.MEM_CLOCK_MHZ.name(),
      "nvmlDeviceGetClockInfo",
      (n, d) -> n.clockMhz(d, NvmlLibrary.CLOCK_MEM)),
  CLOCKS_EVENT_REASONS(
      Gpu.CLOCKS_EVENT_REASONS.name(),
      "nvmlDeviceGetCurrentClocksEventReasons",
      NvmlLibrary::clocksEventReasons),
  THERMAL_VIOLATION(
      Gpu.THERMAL_VIOLATION_NS.name(),
      "nvmlDeviceGetViolationStatus",
      (n, d) -> n.violationTimeNanos(d, NvmlLibrary.PERF_POLICY_THERMAL)),
  POWER_VIOLATION(
      Gpu.POWER_VIOLATION_NS.name(),
      "nvmlDeviceGetViolationStatus",
      (n, d) -> n.violationTimeNanos(d, NvmlLibrary.PERF_POLICY_POWER));

  @FunctionalInterface
  interface Read {
    double read(NvmlLibrary nvml, MemorySegment device) throws NvmlException;
  }

  private final String field;
  private final String function;
  private final Read read;

  GpuMetric(String field, String function, Read read) {
    this.field = field;
    this.function = function;
    this.read = read;
  }

  /** The field name in the {@code gpu} measurement, with its unit. */
  public String field() {
    return field;
  }

  /** The NVML function that gives it. */
  public String function() {
    return function;
  }

  double read(NvmlLibrary nvml, MemorySegment device) throws NvmlException {
    return read.read(nvml, device);
  }

  /** NVML reports power in mW; the GPU vocabulary stores W. */
  private static final class Milliwatts {
    static final javax.measure.UnitConverter TO_WATTS =
        io.kilowatch.config.units.PointUnit.of("mW").to(io.kilowatch.config.units.Units.parse("W"));
  }
}
