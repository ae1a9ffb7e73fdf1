package io.kilowatch.simulator;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Writes a node's GPUs in dcgm-exporter's Prometheus text format: for each field a {@code # HELP}
 * and {@code # TYPE} line, then one sample per GPU labelled like dcgm-exporter does. Integers where
 * DCGM reports integers (temperatures, clocks, utilisation, counters), six decimals for power.
 */
final class DcgmExposition {
  static final String MODEL_NAME = "NVIDIA H100 80GB HBM3";
  static final String DRIVER_VERSION = "550.90.07";

  private record Field(String name, String help, String type, Function<GpuReading, String> value) {}

  private static final List<Field> FIELDS =
      List.of(
          new Field(
              "DCGM_FI_DEV_SM_CLOCK",
              "SM clock frequency (in MHz).",
              "gauge",
              g -> Integer.toString(g.smClockMhz())),
          new Field(
              "DCGM_FI_DEV_MEMORY_TEMP",
              "Memory temperature (in C).",
              "gauge",
              g -> whole(g.memoryTempC())),
          new Field(
              "DCGM_FI_DEV_GPU_TEMP", "GPU temperature (in C).", "gauge", g -> whole(g.gpuTempC())),
          new Field(
              "DCGM_FI_DEV_SLOWDOWN_TEMP",
              "Slowdown temperature threshold (in C).",
              "gauge",
              g -> whole(g.slowdownTempC())),
          new Field(
              "DCGM_FI_DEV_SHUTDOWN_TEMP",
              "Shutdown temperature threshold (in C).",
              "gauge",
              g -> whole(g.shutdownTempC())),
          new Field(
              "DCGM_FI_DEV_POWER_USAGE", "Power draw (in W).", "gauge", g -> decimal(g.powerW())),
          new Field(
              "DCGM_FI_DEV_POWER_MGMT_LIMIT",
              "Power management limit (in W).",
              "gauge",
              g -> decimal(g.powerLimitW())),
          new Field(
              "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION",
              "Total energy consumption since boot (in mJ).",
              "counter",
              g -> Long.toString((long) g.energyMj())),
          new Field(
              "DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %).", "gauge", g -> whole(g.utilPct())),
          new Field(
              "DCGM_FI_DEV_CLOCKS_EVENT_REASONS",
              "Current clock event reasons (bitmask).",
              "gauge",
              g -> Long.toString(g.clockEventReasons())),
          new Field(
              "DCGM_FI_DEV_THERMAL_VIOLATION",
              "Throttling duration due to thermal constraints (in ns).",
              "counter",
              g -> Long.toString(g.thermalViolationNs())));

  private DcgmExposition() {}

  static String render(NodeReading node) {
    StringBuilder out = new StringBuilder(16_384);
    for (Field field : FIELDS) {
      out.append("# HELP ").append(field.name()).append(' ').append(field.help()).append('\n');
      out.append("# TYPE ").append(field.name()).append(' ').append(field.type()).append('\n');
      for (GpuReading gpu : node.gpus()) {
        out.append(field.name())
            .append("{gpu=\"")
            .append(gpu.index())
            .append("\",UUID=\"")
            .append(gpu.uuid())
            .append("\",device=\"nvidia")
            .append(gpu.index())
            .append("\",modelName=\"")
            .append(MODEL_NAME)
            .append("\",Hostname=\"")
            .append(node.id())
            .append("\",DCGM_FI_DRIVER_VERSION=\"")
            .append(DRIVER_VERSION)
            .append("\"} ")
            .append(field.value().apply(gpu))
            .append('\n');
      }
    }
    return out.toString();
  }

  private static String whole(double v) {
    return Long.toString(Math.round(v));
  }

  private static String decimal(double v) {
    return String.format(Locale.ROOT, "%.6f", v);
  }
}
