package io.kilowatch.analytics;

import java.time.Instant;
import java.util.List;

/**
 * Energy per step of one meter channel or group of them.
 *
 * @param coverage share of the expected readings that were present over the whole interval, 0..1
 * @param totalKwh sum of the steps that have a value
 * @param resets counter resets met (each counted from zero, never as a negative or huge jump)
 * @param wraps fixed-width counter wraps met (unwrapped)
 * @param gaps pairs of readings further apart than the gap limit (not bridged)
 */
public record EnergySeries(
    String name,
    EnergySource source,
    List<Step> steps,
    double coverage,
    double totalKwh,
    int resets,
    int wraps,
    int gaps) {

  public EnergySeries {
    steps = List.copyOf(steps);
  }

  public String unit() {
    return "kWh";
  }

  /**
   * @param kwh energy in the step, or {@code null} when no reading covered it
   * @param coverage share of the step's expected readings present, 0..1
   */
  public record Step(Instant start, Instant end, Double kwh, double coverage) {}

  public Double kwh(int i) {
    return steps.get(i).kwh();
  }
}
