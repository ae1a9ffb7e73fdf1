package io.kilowatch.analytics;

import io.kilowatch.store.Point;
import io.kilowatch.store.Quality;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Energy per step from the raw readings of one series: the increase of a cumulative counter, or the
 * trapezoidal integral of power. Readings are joined pair by pair; each pair's energy is spread
 * over the steps it spans in proportion to time (for power, the exact integral of the straight line
 * between the two readings), so a step edge between two readings splits their energy fairly.
 *
 * <p>Rules, in the order they apply to a pair of consecutive good readings:
 *
 * <ul>
 *   <li>further apart than the gap limit: a gap; nothing is drawn across it.
 *   <li>a counter that went down: if the counter has a fixed width and adding the width gives a
 *       plausible increase, it wrapped; otherwise it was reset (driver reload, meter swap) and the
 *       new reading, the energy since the reset, counts if plausible, else nothing.
 *   <li>a counter that jumped up implausibly (a swapped meter that starts high): nothing.
 * </ul>
 *
 * "Plausible" means at most {@link #PLAUSIBLE_FACTOR} times the series' median rate over the same
 * window: generous for a GPU going from idle to full power (10×), yet a reset to a counter that is
 * millions of kWh off never shows as energy.
 */
final class SeriesEnergy {
  static final double PLAUSIBLE_FACTOR = 20;

  private final StepPlan plan;
  private final long gapLimitMs;
  final double[] kwh;
  final double[] samples;
  final double[] expected;
  final boolean[] touched;
  int resets;
  int wraps;
  int gaps;

  private final long nowMs;

  /**
   * @param nowMs readings are expected only before this (a step in progress is judged on its past)
   */
  SeriesEnergy(StepPlan plan, long gapLimitMs, long nowMs) {
    this.plan = plan;
    this.nowMs = nowMs;
    this.gapLimitMs = gapLimitMs;
    int n = plan.size();
    kwh = new double[n];
    samples = new double[n];
    expected = new double[n];
    touched = new boolean[n];
  }

  /** Adds the expected readings of one series polled every {@code intervalMs}. */
  void expect(long intervalMs) {
    for (int i = 0; i < plan.size(); i++) {
      long start = plan.start(i).toEpochMilli();
      long len = Math.min(plan.end(i).toEpochMilli(), nowMs) - start;
      if (len > 0) {
        expected[i] += Math.max(1.0, (double) len / intervalMs);
      }
    }
  }

  private static List<Point> good(List<Point> points) {
    var out = new ArrayList<Point>(points.size());
    for (Point p : points) {
      if ((p.quality() == Quality.GOOD || p.quality() == Quality.UNCERTAIN)
          && Double.isFinite(p.value())) {
        out.add(p);
      }
    }
    return out;
  }

  private void countSamples(List<Point> pts) {
    for (Point p : pts) {
      int i = plan.indexOf(p.time().toEpochMilli());
      if (i >= 0) {
        samples[i]++;
      }
    }
  }

  /**
   * Adds a cumulative counter.
   *
   * @param toKwh multiplier from the counter's unit to kWh
   * @param modulus the counter's range in its own unit (2^32 × scale for a 32-bit register), or 0
   *     when it cannot wrap in practice
   */
  void addCounter(List<Point> raw, double toKwh, double modulus) {
    List<Point> pts = good(raw);
    countSamples(pts);
    double maxRate = PLAUSIBLE_FACTOR * typicalRate(pts);
    for (int k = 1; k < pts.size(); k++) {
      Point a = pts.get(k - 1);
      Point b = pts.get(k);
      long dt = b.time().toEpochMilli() - a.time().toEpochMilli();
      if (dt <= 0) {
        continue;
      }
      if (dt > gapLimitMs) {
        gaps++;
        continue;
      }
      double limit = maxRate * dt;
      double d = b.value() - a.value();
      if (d < 0) {
        double unwrapped = d + modulus;
        if (modulus > 0 && unwrapped >= 0 && unwrapped <= limit) {
          d = unwrapped;
          wraps++;
        } else {
          resets++;
          d = b.value() >= 0 && b.value() <= limit ? b.value() : 0;
        }
      } else if (d > limit && limit > 0) {
        // An upward jump no load explains: a new meter that does not start at zero.
        resets++;
        d = 0;
      }
      spread(a.time().toEpochMilli(), b.time().toEpochMilli(), d * toKwh, d * toKwh, true);
    }
  }

  /** Adds power readings, integrated by the trapezoid rule. */
  void addPower(List<Point> raw, double toKw) {
    List<Point> pts = good(raw);
    countSamples(pts);
    for (int k = 1; k < pts.size(); k++) {
      Point a = pts.get(k - 1);
      Point b = pts.get(k);
      long t0 = a.time().toEpochMilli();
      long t1 = b.time().toEpochMilli();
      if (t1 <= t0) {
        continue;
      }
      if (t1 - t0 > gapLimitMs) {
        gaps++;
        continue;
      }
      // kW at each end; the integral over [s, e] of the line is (v(s) + v(e)) / 2 × (e − s).
      spread(t0, t1, a.value() * toKw, b.value() * toKw, false);
    }
  }

  /**
   * Spreads one pair over the steps it spans: a counter increase in proportion to time; power
   * ({@code va}, {@code vb} in kW at the ends) as the trapezoid of each step's slice.
   */
  private void spread(long t0, long t1, double va, double vb, boolean counter) {
    int i = plan.indexOf(t0);
    if (i < 0) {
      if (t0 >= plan.last().toEpochMilli()) {
        return;
      }
      i = 0;
    }
    double span = t1 - t0;
    for (; i < plan.size(); i++) {
      long s = Math.max(t0, plan.start(i).toEpochMilli());
      long e = Math.min(t1, plan.end(i).toEpochMilli());
      if (s >= t1) {
        break;
      }
      if (e <= s) {
        continue;
      }
      touched[i] = true;
      if (counter) {
        kwh[i] += va * (e - s) / span;
      } else {
        double vs = va + (vb - va) * (s - t0) / span;
        double ve = va + (vb - va) * (e - t0) / span;
        kwh[i] += (vs + ve) / 2 * (e - s) / 3_600_000.0;
      }
    }
  }

  /**
   * The median increase rate of pairs within the gap limit, per millisecond: the jump being judged
   * is one of those pairs, and a median is not moved by it.
   */
  private double typicalRate(List<Point> pts) {
    double[] rates = new double[Math.max(0, pts.size() - 1)];
    int n = 0;
    for (int k = 1; k < pts.size(); k++) {
      long dt = pts.get(k).time().toEpochMilli() - pts.get(k - 1).time().toEpochMilli();
      double d = pts.get(k).value() - pts.get(k - 1).value();
      if (dt > 0 && dt <= gapLimitMs && d >= 0) {
        rates[n++] = d / dt;
      }
    }
    if (n == 0) {
      return 0;
    }
    Arrays.sort(rates, 0, n);
    return rates[n / 2];
  }
}
