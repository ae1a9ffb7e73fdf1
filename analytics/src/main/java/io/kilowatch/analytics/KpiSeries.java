package io.kilowatch.analytics;

import java.time.Instant;
import java.util.List;

/**
 * A derived series over aligned steps. A step whose inputs are incomplete has a {@code null} value:
 * it is drawn as a gap, never as a low number.
 *
 * @param coverage share of the expected input readings that were present, 0..1
 */
public record KpiSeries(String name, String unit, List<Step> steps, double coverage) {
  public KpiSeries {
    steps = List.copyOf(steps);
  }

  /** One step; {@code value} is null where the inputs were incomplete. */
  public record Step(Instant start, Double value) {}

  /** The latest step that has a value, or null. */
  public Step latest() {
    for (int i = steps.size() - 1; i >= 0; i--) {
      if (steps.get(i).value() != null) {
        return steps.get(i);
      }
    }
    return null;
  }
}
