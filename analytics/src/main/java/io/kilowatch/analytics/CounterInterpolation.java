package io.kilowatch.analytics;

import io.kilowatch.store.Point;
import io.kilowatch.store.Quality;
import java.util.List;

/**
 * Energy per step from a cumulative counter, by reading the counter at each step boundary.
 *
 * <p>Summing the increases of the readings that fall inside a step is exact only when every step
 * holds the same number of readings; with a 5 s poll and a 10 s step, one reading more or less
 * moves the step's energy by half. Instead the counter is made continuous across resets (a drop
 * starts a new count from zero, as for {@code COUNTER_DELTA}) and interpolated linearly at each
 * boundary, so every step gets exactly its own share of energy. A boundary that falls outside the
 * readings, or between two readings further apart than {@code maxGapMs}, cannot be read: the steps
 * on either side of it are gaps.
 */
final class CounterInterpolation {
  private CounterInterpolation() {}

  /**
   * @param points raw readings, oldest first; only GOOD and UNCERTAIN ones are used
   * @param firstBoundaryMs the start of the first step
   * @param stepMs step length
   * @param steps number of steps
   * @return energy per step, {@code null} where it cannot be known
   */
  static Double[] perStep(
      List<Point> points, long firstBoundaryMs, long stepMs, int steps, long maxGapMs) {
    int n = 0;
    long[] t = new long[points.size()];
    double[] cum = new double[points.size()];
    double previous = Double.NaN;
    for (Point p : points) {
      if (p.quality() != Quality.GOOD && p.quality() != Quality.UNCERTAIN
          || !Double.isFinite(p.value())) {
        continue;
      }
      double increase =
          n == 0 ? 0 : p.value() >= previous ? p.value() - previous : p.value(); // reset
      t[n] = p.time().toEpochMilli();
      cum[n] = n == 0 ? 0 : cum[n - 1] + increase;
      previous = p.value();
      n++;
    }
    Double[] at = new Double[steps + 1];
    int j = 0;
    for (int b = 0; b <= steps; b++) {
      long bt = firstBoundaryMs + b * stepMs;
      while (j + 1 < n && t[j + 1] < bt) {
        j++;
      }
      // t[j] < bt <= t[j+1], or an exact hit on a reading
      if (n > 0 && t[j] == bt) {
        at[b] = cum[j];
      } else if (j + 1 < n && t[j] <= bt && bt <= t[j + 1] && t[j + 1] - t[j] <= maxGapMs) {
        double f = (double) (bt - t[j]) / (t[j + 1] - t[j]);
        at[b] = cum[j] + f * (cum[j + 1] - cum[j]);
      }
    }
    Double[] out = new Double[steps];
    for (int i = 0; i < steps; i++) {
      out[i] = at[i] == null || at[i + 1] == null ? null : at[i + 1] - at[i];
    }
    return out;
  }
}
