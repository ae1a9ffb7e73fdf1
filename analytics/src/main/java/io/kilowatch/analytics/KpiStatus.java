package io.kilowatch.analytics;

/**
 * Whether a ratio KPI can be trusted. Anything but {@link #OK} comes with a null value: a flagged
 * PUE is never shown as a good number.
 */
public enum KpiStatus {
  OK,
  /** The inputs cover less than the configured share of their expected readings. */
  LOW_COVERAGE,
  /** The denominator (IT energy) is zero or missing. */
  NO_IT_ENERGY,
  /** PUE below 1 is physically impossible: a metering or model error. */
  BELOW_ONE,
  /** No facility energy at all. */
  NO_DATA,
  /** The site has no energy model ({@code energy:}), so there is nothing to divide. */
  NOT_CONFIGURED;

  /** The status of a ratio {@code num / it}, checked in this order. */
  static KpiStatus of(Double num, Double it, double coverage, double threshold, double minRatio) {
    if (num == null) {
      return NO_DATA;
    }
    if (it == null || it <= 0) {
      return NO_IT_ENERGY;
    }
    if (coverage < threshold) {
      return LOW_COVERAGE;
    }
    if (num / it < minRatio - 1e-12) {
      return BELOW_ONE;
    }
    return OK;
  }
}
