package io.kilowatch.collector.nvml;

import java.lang.foreign.MemorySegment;

/**
 * What kilowatch reads from each GPU, named as the dcgm collector names the same reading, so a GPU
 * looks the same whichever way it was read.
 */
public enum GpuMetric {
  POWER("power_w", "nvmlDeviceGetPowerUsage", (n, d) -> n.powerUsageMilliwatts(d) / 1000.0),
  POWER_LIMIT(
      "power_limit_w",
      "nvmlDeviceGetEnforcedPowerLimit",
      (n, d) -> n.enforcedPowerLimitMilliwatts(d) / 1000.0),
  ENERGY("energy_mj", "nvmlDeviceGetTotalEnergyConsumption", NvmlLibrary::totalEnergyMillijoules),
  TEMP(
      "temp_c",
      "nvmlDeviceGetTemperature",
      (n, d) -> n.temperature(d, NvmlLibrary.TEMPERATURE_GPU)),
  MEM_TEMP(
      "mem_temp_c",
      "nvmlDeviceGetFieldValues",
      (n, d) -> n.fieldValue(d, NvmlLibrary.FI_DEV_MEMORY_TEMP)),
  SLOWDOWN_TEMP(
      "slowdown_temp_c",
      "nvmlDeviceGetTemperatureThreshold",
      (n, d) -> n.temperatureThreshold(d, NvmlLibrary.Threshold.SLOWDOWN)),
  SHUTDOWN_TEMP(
      "shutdown_temp_c",
      "nvmlDeviceGetTemperatureThreshold",
      (n, d) -> n.temperatureThreshold(d, NvmlLibrary.Threshold.SHUTDOWN)),
  GPU_MAX_TEMP(
      "gpu_max_temp_c",
      "nvmlDeviceGetTemperatureThreshold",
      (n, d) -> n.temperatureThreshold(d, NvmlLibrary.Threshold.GPU_MAX)),
  MEM_MAX_TEMP(
      "mem_max_temp_c",
      "nvmlDeviceGetTemperatureThreshold",
      (n, d) -> n.temperatureThreshold(d, NvmlLibrary.Threshold.MEM_MAX)),
  MARGIN("margin_c", "nvmlDeviceGetMarginTemperature", NvmlLibrary::marginTemperature),
  UTIL("util_pct", "nvmlDeviceGetUtilizationRates", (n, d) -> n.utilization(d)[0]),
  MEM_UTIL("mem_util_pct", "nvmlDeviceGetUtilizationRates", (n, d) -> n.utilization(d)[1]),
  SM_CLOCK("sm_clock_mhz", "nvmlDeviceGetClockInfo", (n, d) -> n.clockMhz(d, NvmlLibrary.CLOCK_SM)),
  MEM_CLOCK(
      "mem_clock_mhz", "nvmlDeviceGetClockInfo", (n, d) -> n.clockMhz(d, NvmlLibrary.CLOCK_MEM)),
  CLOCKS_EVENT_REASONS(
      "clocks_event_reasons",
      "nvmlDeviceGetCurrentClocksEventReasons",
      NvmlLibrary::clocksEventReasons),
  THERMAL_VIOLATION(
      "thermal_violation_ns",
      "nvmlDeviceGetViolationStatus",
      (n, d) -> n.violationTimeNanos(d, NvmlLibrary.PERF_POLICY_THERMAL)),
  POWER_VIOLATION(
      "power_violation_ns",
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
}
