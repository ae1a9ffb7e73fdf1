package io.kilowatch.jobs;

import java.time.Instant;
import java.util.Objects;

/**
 * One GPU a job held over [from, to): the store's GPU series are tagged {@code device} (the
 * kilowatch id of the GPU node) and {@code gpu} (the index as the node reports it), so these two
 * name the series whose energy is the job's.
 *
 * @param device kilowatch device id of the {@code gpu-node}
 * @param gpu the GPU's index on that node, as the {@code gpu} tag of its series
 * @param from when the job took it
 * @param to when the job gave it back; {@code null} while still held
 */
public record GpuHold(String device, String gpu, Instant from, Instant to) {
  public GpuHold {
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(gpu, "gpu");
    Objects.requireNonNull(from, "from");
    if (to != null && to.isBefore(from)) {
      throw new IllegalArgumentException(
          device + " gpu " + gpu + " held until " + to + ", before " + from);
    }
  }
}
