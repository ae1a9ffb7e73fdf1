package io.kilowatch.alerts;

/** Where one alert instance is in its life. */
public enum AlertState {
  /** The condition does not hold (instances in this state are not kept). */
  INACTIVE,
  /** The condition holds but not yet for the rule's {@code for:} duration. */
  PENDING,
  /** The condition has held long enough; receivers are notified. */
  FIRING,
  /** It was firing and the value went back past the clear level. */
  RESOLVED
}
