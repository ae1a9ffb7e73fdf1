package io.kilowatch.simulator;

import java.time.Duration;
import java.util.Objects;

/**
 * Knobs of the demo site.
 *
 * @param pollInterval interval written into the generated site config for every device
 * @param seed makes the physics (jobs, noise, UUIDs) reproducible
 * @param coolingFaults whether cluster c2's CDU pump degrades now and then
 * @param faultPeriod time between the starts of two pump faults
 * @param faultLength how long the pump stays degraded (ramps of about a minute each side excluded)
 */
public record DemoOptions(
    Duration pollInterval,
    long seed,
    boolean coolingFaults,
    Duration faultPeriod,
    Duration faultLength) {

  public DemoOptions {
    Objects.requireNonNull(pollInterval, "pollInterval");
    Objects.requireNonNull(faultPeriod, "faultPeriod");
    Objects.requireNonNull(faultLength, "faultLength");
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw new IllegalArgumentException("pollInterval must be positive: " + pollInterval);
    }
    if (faultLength.isNegative() || faultLength.isZero()) {
      throw new IllegalArgumentException("faultLength must be positive: " + faultLength);
    }
    // A fault needs its two one-minute ramps inside the period, or faults would overlap.
    if (faultPeriod.compareTo(faultLength.plus(FaultSchedule.RAMP.multipliedBy(2))) <= 0) {
      throw new IllegalArgumentException(
          "faultPeriod " + faultPeriod + " must exceed faultLength " + faultLength + " + 2 min");
    }
  }

  /** 5 s polling, seed 42, a c2 pump fault every 20 min lasting 6 min, the first after 90 s. */
  public static DemoOptions defaults() {
    return new DemoOptions(
        Duration.ofSeconds(5), 42L, true, Duration.ofMinutes(20), Duration.ofMinutes(6));
  }

  public DemoOptions withSeed(long newSeed) {
    return new DemoOptions(pollInterval, newSeed, coolingFaults, faultPeriod, faultLength);
  }

  public DemoOptions withCoolingFaults(boolean enabled) {
    return new DemoOptions(pollInterval, seed, enabled, faultPeriod, faultLength);
  }

  public DemoOptions withPollInterval(Duration interval) {
    return new DemoOptions(interval, seed, coolingFaults, faultPeriod, faultLength);
  }
}
