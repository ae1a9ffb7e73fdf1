package io.kilowatch.analytics;

import java.time.Instant;
import java.util.List;

/**
 * Energy per step of one meter channel or group of them (analytics/README.md, R0–R4).
 *
 * @param coverage primary coverage (R3): the share of the period's time where every series of the
 *     group had its energy known, 0..1
 * @param sampleCoverage readings present ÷ readings expected, 0..1
 * @param totalKwh sum of the steps that have a value
 * @param resets counter resets met (each filled by the rule named in {@code applied})
 * @param wraps fixed-width counter wraps met
 * @param gaps holes not bridged (their energy is missing)
 * @param applied what the rules did, in the numbers the computation used
 */
public record EnergySeries(
    String name,
    EnergySource source,
    List<Step> steps,
    double coverage,
    double sampleCoverage,
    double totalKwh,
    int resets,
    int wraps,
    int gaps,
    Applied applied) {

  public EnergySeries {
    steps = List.copyOf(steps);
  }

  public String unit() {
    return "kWh";
  }

  /**
   * @param kwh energy in the step over each series' own known time, or {@code null} when no series
   *     was known in it
   * @param coverage primary coverage of the step (R3)
   * @param sampleCoverage readings present ÷ expected in the step
   */
  public record Step(
      Instant start, Instant end, Double kwh, double coverage, double sampleCoverage) {}

  public Double kwh(int i) {
    return steps.get(i).kwh();
  }
}
