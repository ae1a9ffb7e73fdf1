package io.kilowatch.analytics;

/** Where an energy figure came from, reported with it. */
public enum EnergySource {
  /** Increase of a cumulative energy counter (preferred). */
  COUNTER,
  /** Trapezoidal integration of power readings, where no counter exists. */
  INTEGRATED,
  /** Some inputs from counters, some integrated. */
  MIXED,
  /** No input series was found. */
  NONE;

  EnergySource combine(EnergySource other) {
    if (this == NONE) {
      return other;
    }
    if (other == NONE || other == this) {
      return this;
    }
    return MIXED;
  }
}
