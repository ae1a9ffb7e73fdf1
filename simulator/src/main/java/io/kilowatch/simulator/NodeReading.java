package io.kilowatch.simulator;

import java.util.List;

/** One GPU node: its GPUs and the rest of the box (CPUs, memory, NICs, fans). */
public record NodeReading(
    String id, String clusterId, String rackId, double hostPowerW, List<GpuReading> gpus) {
  public NodeReading {
    gpus = List.copyOf(gpus);
  }

  public double powerW() {
    return hostPowerW + gpus.stream().mapToDouble(GpuReading::powerW).sum();
  }
}
