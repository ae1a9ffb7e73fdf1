package io.kilowatch.simulator;

/** First-order lag: how water, metal and controllers approach a new target. */
final class Lag {
  private Lag() {}

  static double toward(double current, double target, double tauS, double dtS) {
    return current + (target - current) * (1 - Math.exp(-dtS / tauS));
  }

  static double clamp(double v, double lo, double hi) {
    return Math.max(lo, Math.min(hi, v));
  }
}
