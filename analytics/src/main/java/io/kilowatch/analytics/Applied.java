package io.kilowatch.analytics;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the energy rules did to one meter's readings over a period: the same numbers the computation
 * used, for reports and audits.
 *
 * @param gapsBridged pairs further apart than 1.5 poll intervals that were still joined (a counter
 *     of any gap, power up to {@code powerGapLimit})
 * @param gapsLeft pairs not joined: their time is unknown and their energy missing
 * @param gapsLeftLowKwh what the gaps left could hold if the load had stayed at the lower of the
 *     readings on either side
 * @param gapsLeftHighKwh the same at the higher of them
 * @param resets counter drops that were no wrap, each with the energy filled in and the rule
 * @param wraps counter wraps (the register's width added)
 */
public record Applied(
    int gapsBridged,
    double gapsBridgedMinutes,
    int gapsLeft,
    double gapsLeftMinutes,
    double gapsLeftLowKwh,
    double gapsLeftHighKwh,
    List<Reset> resets,
    int wraps) {

  public static final Applied NONE = new Applied(0, 0, 0, 0, 0, 0, List.of(), 0);

  public Applied {
    resets = List.copyOf(resets);
  }

  /**
   * One counter reset.
   *
   * @param rule {@code power-trapezoid} (the meter's power at both ends), {@code new-register}
   *     (what the new register counted, c1) or {@code new-register-in-bin} (inside a rollup bin,
   *     where the power at the drop is not known)
   */
  public record Reset(
      Instant from, Instant to, double before, double after, double kwh, String rule) {}

  Applied plus(Applied o) {
    var r = new ArrayList<>(resets);
    r.addAll(o.resets);
    return new Applied(
        gapsBridged + o.gapsBridged,
        gapsBridgedMinutes + o.gapsBridgedMinutes,
        gapsLeft + o.gapsLeft,
        gapsLeftMinutes + o.gapsLeftMinutes,
        gapsLeftLowKwh + o.gapsLeftLowKwh,
        gapsLeftHighKwh + o.gapsLeftHighKwh,
        r,
        wraps + o.wraps);
  }

  /** Mutable tally used while walking one series. */
  static final class Tally {
    int bridged;
    long bridgedMs;
    int left;
    long leftMs;
    double leftLow;
    double leftHigh;
    final List<Reset> resets = new ArrayList<>();
    int wraps;

    Applied done() {
      return new Applied(
          bridged, bridgedMs / 60_000.0, left, leftMs / 60_000.0, leftLow, leftHigh, resets, wraps);
    }
  }
}
