package io.kilowatch.alerts;

import io.kilowatch.config.AlertsConfig;

/**
 * A trigger level and a clear level on the same side: between the two, a pending alert goes back to
 * inactive but a firing one keeps firing, so a value hovering at the threshold pages once.
 */
record Condition(AlertsConfig.Op op, double threshold, double clear) {

  static Condition of(AlertsConfig.Rule rule) {
    return switch (rule.type()) {
      // Observations of these types are 1 (condition holds) or 0.
      case ABSENT, DEVICE_DOWN -> new Condition(AlertsConfig.Op.ABOVE, 0.5, 0.5);
      default -> new Condition(rule.op(), rule.threshold(), rule.clearLevel());
    };
  }

  boolean triggers(double value) {
    return op == AlertsConfig.Op.ABOVE ? value > threshold : value < threshold;
  }

  boolean clears(double value) {
    return op == AlertsConfig.Op.ABOVE ? value <= clear : value >= clear;
  }

  /** Of two values, the one further on the alerting side. */
  double worse(double a, double b) {
    return op == AlertsConfig.Op.ABOVE ? Math.max(a, b) : Math.min(a, b);
  }
}
