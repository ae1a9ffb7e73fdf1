package io.kilowatch.analytics;

import io.kilowatch.store.Run;
import io.kilowatch.store.SeriesKey;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the energy rules (analytics/README.md, R0–R4) make of one series over a plan: energy per
 * step over the series' own known time, that known time, the readings per step and what was
 * applied.
 */
final class SeriesLedger {
  /** A counter that drops from its top tenth to its bottom tenth wrapped. */
  static final double WRAP_TOP = 0.9;

  static final double WRAP_BOTTOM = 0.1;

  final SeriesKey key;
  final double[] kwh;
  final double[] samples;
  IntervalSet known = IntervalSet.EMPTY;
  Applied applied = Applied.NONE;

  /** Time of the newest good reading before the plan's end, or Long.MIN_VALUE. */
  long lastMs = Long.MIN_VALUE;

  /** A power series' newest good reading there, in kW; NaN for counters or without one. */
  double lastKw = Double.NaN;

  /** Reset intervals (by start) filled from the meter's power, kWh; null when none. */
  Map<Long, Double> fills;

  SeriesLedger(SeriesKey key, int steps) {
    this.key = key;
    this.kwh = new double[steps];
    this.samples = new double[steps];
  }

  /** How one series is read: counter or power, its units and limits. */
  record Rules(
      boolean counter,
      double factor,
      double width,
      long counterGapMs,
      long powerGapMs,
      long intervalMs) {}

  /**
   * Walks a series' runs under the rules, spreading each known interval's energy into {@code
   * spread}.
   *
   * @param fills reset intervals (by start ms) whose energy is known from the meter's power, kWh
   * @param tally told what was applied, or null
   * @param known collects the known time, or null
   */
  static void walk(
      List<Run> runs,
      Rules r,
      Map<Long, Double> fills,
      Spread spread,
      Applied.Tally tally,
      IntervalSet.Builder known) {
    long from = spread.from();
    long to = spread.to();
    Run prev = null;
    for (Run run : runs) {
      boolean inside = run.lastMs() >= from && run.firstMs() < to;
      if (!run.single()) {
        inner(run, r, spread, inside ? tally : null, known);
      }
      if (prev != null) {
        pair(
            prev,
            run,
            r,
            fills,
            spread,
            prev.lastMs() < to && run.firstMs() > from ? tally : null,
            known);
      }
      prev = run;
    }
  }

  private static void inner(
      Run run, Rules r, Spread spread, Applied.Tally tally, IntervalSet.Builder known) {
    long t0 = run.firstMs();
    long t1 = run.lastMs();
    if (r.counter()) {
      double e = run.rise();
      if (run.drops() > 0) {
        double c0 = run.dropFrom() / run.drops();
        double c1 = run.dropTo() / run.drops();
        if (wraps(r.width(), c0, c1)) {
          e += run.drops() * r.width() - run.dropFrom() + run.dropTo();
          if (tally != null) {
            tally.wraps += run.drops();
          }
        } else {
          e += run.dropTo();
          if (tally != null) {
            tally.resets.add(
                new Applied.Reset(
                    Instant.ofEpochMilli(t0),
                    Instant.ofEpochMilli(t1),
                    c0,
                    c1,
                    run.dropTo() * r.factor(),
                    "new-register-in-bin"));
          }
        }
      }
      spread.even(t0, t1, e * r.factor());
      if (known != null) {
        known.add(t0, t1);
      }
      return;
    }
    double area = run.area();
    long end = t1;
    if (run.longestMs() > r.powerGapMs()) {
      // Where inside the bin the hole was is not kept: it is placed at the bin's end.
      area -= run.longestArea();
      end = t1 - run.longestMs();
      if (tally != null) {
        tally.left++;
        tally.leftMs += run.longestMs();
      }
    }
    if (end > t0) {
      spread.even(t0, end, area / 3_600_000.0 * r.factor());
      if (known != null) {
        known.add(t0, end);
      }
    }
  }

  private static void pair(
      Run a,
      Run b,
      Rules r,
      Map<Long, Double> fills,
      Spread spread,
      Applied.Tally tally,
      IntervalSet.Builder known) {
    long t0 = a.lastMs();
    long t1 = b.firstMs();
    long dt = t1 - t0;
    if (dt <= 0) {
      return;
    }
    double v0 = a.last();
    double v1 = b.first();
    boolean late = dt > r.intervalMs() * 3 / 2;
    if (r.counter()) {
      if (dt > r.counterGapMs()) {
        if (tally != null) {
          tally.left++;
          tally.leftMs += dt;
        }
        return;
      }
      double e;
      if (v1 >= v0) {
        e = (v1 - v0) * r.factor();
      } else if (wraps(r.width(), v0, v1)) {
        e = (r.width() - v0 + v1) * r.factor();
        if (tally != null) {
          tally.wraps++;
        }
      } else {
        Double fill = fills == null ? null : fills.get(t0);
        e = fill != null ? fill : v1 * r.factor();
        if (tally != null) {
          tally.resets.add(
              new Applied.Reset(
                  Instant.ofEpochMilli(t0),
                  Instant.ofEpochMilli(t1),
                  v0,
                  v1,
                  e,
                  fill != null ? "power-trapezoid" : "new-register"));
        }
      }
      if (late && tally != null) {
        tally.bridged++;
        tally.bridgedMs += dt;
      }
      spread.even(t0, t1, e);
      if (known != null) {
        known.add(t0, t1);
      }
      return;
    }
    if (dt > r.powerGapMs()) {
      if (tally != null) {
        tally.left++;
        tally.leftMs += dt;
        double h = dt / 3_600_000.0;
        tally.leftLow += Math.min(v0, v1) * r.factor() * h;
        tally.leftHigh += Math.max(v0, v1) * r.factor() * h;
      }
      return;
    }
    if (late && tally != null) {
      tally.bridged++;
      tally.bridgedMs += dt;
    }
    spread.line(t0, t1, v0 * r.factor(), v1 * r.factor());
    if (known != null) {
      known.add(t0, t1);
    }
  }

  static boolean wraps(double width, double c0, double c1) {
    return width > 0 && c0 >= WRAP_TOP * width && c1 < WRAP_BOTTOM * width;
  }

  /**
   * The counter drops that are resets (no wrap) between runs, by their start: the intervals whose
   * energy the meter's power may tell.
   */
  static List<long[]> resets(List<Run> runs, Rules r, long from, long to) {
    var out = new java.util.ArrayList<long[]>();
    for (int i = 1; i < runs.size(); i++) {
      Run a = runs.get(i - 1);
      Run b = runs.get(i);
      long t0 = a.lastMs();
      long t1 = b.firstMs();
      if (t1 > t0
          && t0 < to
          && t1 > from
          && t1 - t0 <= r.counterGapMs()
          && b.first() < a.last()
          && !wraps(r.width(), a.last(), b.first())) {
        out.add(new long[] {t0, t1});
      }
    }
    return out;
  }

  /**
   * The power at {@code t} from a power series' runs: a reading at t, else the straight line
   * between its neighbours when they are at most {@code limitMs} apart; NaN when it does not exist.
   */
  static double powerAt(List<Run> runs, long t, long limitMs) {
    Run before = null;
    for (Run run : runs) {
      if (run.firstMs() == t) {
        return run.first();
      }
      if (run.lastMs() == t) {
        return run.last();
      }
      if (run.firstMs() < t && t < run.lastMs()) {
        // Inside a rollup bin: its mean power, when no hole inside it is too long.
        return run.longestMs() <= limitMs
            ? run.area() / (run.lastMs() - run.firstMs())
            : Double.NaN;
      }
      if (run.firstMs() > t) {
        if (before == null || run.firstMs() - before.lastMs() > limitMs) {
          return Double.NaN;
        }
        double f = (double) (t - before.lastMs()) / (run.firstMs() - before.lastMs());
        return before.last() + f * (run.first() - before.last());
      }
      before = run;
    }
    return Double.NaN;
  }
}
