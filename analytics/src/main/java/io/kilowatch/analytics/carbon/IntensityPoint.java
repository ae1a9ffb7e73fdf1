package io.kilowatch.analytics.carbon;

import java.time.Duration;
import java.time.Instant;

/**
 * Grid carbon intensity over one period, in gCO2e/kWh.
 *
 * @param estimated a forecast or an estimate, not a measured ("actual") value
 */
public record IntensityPoint(Instant start, Duration length, double gPerKwh, boolean estimated) {
  public Instant end() {
    return start.plus(length);
  }
}
