package io.kilowatch.simulator;

import java.time.Duration;

/**
 * When cluster c2's CDU pump is degraded: the first fault starts {@link #FIRST_START} after the
 * site starts (so a demo shows it quickly), then one every period. Each fault ramps down over
 * {@link #RAMP}, holds for its length, and ramps back up over {@link #RAMP}.
 */
final class FaultSchedule {
  static final Duration FIRST_START = Duration.ofSeconds(90);
  static final Duration RAMP = Duration.ofMinutes(1);

  private final boolean enabled;
  private final double periodS;
  private final double lengthS;

  FaultSchedule(boolean enabled, Duration period, Duration length) {
    this.enabled = enabled;
    this.periodS = period.toMillis() / 1000.0;
    this.lengthS = length.toMillis() / 1000.0;
  }

  /** How far the pump is degraded at simulated second {@code t}: 0 healthy, 1 fully degraded. */
  double severity(double t) {
    double first = FIRST_START.toSeconds();
    if (!enabled || t < first) {
      return 0;
    }
    double ramp = RAMP.toSeconds();
    double intoFault = (t - first) % periodS;
    if (intoFault < ramp) {
      return intoFault / ramp;
    }
    if (intoFault < ramp + lengthS) {
      return 1;
    }
    if (intoFault < 2 * ramp + lengthS) {
      return 1 - (intoFault - ramp - lengthS) / ramp;
    }
    return 0;
  }
}
