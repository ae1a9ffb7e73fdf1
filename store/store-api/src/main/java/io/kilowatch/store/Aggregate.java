package io.kilowatch.store;

/** How the readings in one step are reduced to one value. */
public enum Aggregate {
  MEAN,
  MIN,
  MAX,
  /** The latest reading in the step. */
  LAST,
  /**
   * Increase of a cumulative counter over the step: the sum of the positive differences between
   * consecutive readings (the pair that straddles a step boundary counts in the later step). A drop
   * is taken as a reset to zero, so the reading after it counts in full; wrap-around of fixed-width
   * counters is left to analytics, which knows the width.
   */
  COUNTER_DELTA
}
