package io.kilowatch.analytics;

/**
 * Spreads the energy of known intervals over the steps of a plan (R4), optionally only inside a
 * window: counter energy in proportion to time, power by integrating its straight line piece by
 * piece.
 */
final class Spread {
  private final long[] edges;
  private final double[] out;
  private final IntervalSet window;

  /**
   * @param edges step {@code i} is {@code [edges[i], edges[i+1])}
   * @param window where energy counts, or null for everywhere
   */
  Spread(long[] edges, double[] out, IntervalSet window) {
    this.edges = edges;
    this.out = out;
    this.window = window;
  }

  long from() {
    return edges[0];
  }

  long to() {
    return edges[edges.length - 1];
  }

  /** {@code kwh} spread evenly over {@code [t0, t1]}. */
  void even(long t0, long t1, double kwh) {
    if (t1 <= t0) {
      return;
    }
    double perMs = kwh / (t1 - t0);
    pieces(t0, t1, (s, e) -> perMs * (e - s));
  }

  /** The integral of the line from {@code kw0} at t0 to {@code kw1} at t1, in kWh. */
  void line(long t0, long t1, double kw0, double kw1) {
    if (t1 <= t0) {
      return;
    }
    double span = t1 - t0;
    pieces(
        t0,
        t1,
        (s, e) -> {
          double vs = kw0 + (kw1 - kw0) * (s - t0) / span;
          double ve = kw0 + (kw1 - kw0) * (e - t0) / span;
          return (vs + ve) / 2 * (e - s) / 3_600_000.0;
        });
  }

  private interface Part {
    double kwh(long s, long e);
  }

  private void pieces(long t0, long t1, Part part) {
    long a = Math.max(t0, from());
    long b = Math.min(t1, to());
    if (b <= a) {
      return;
    }
    if (window == null) {
      steps(a, b, part);
      return;
    }
    for (int i = window.firstEndingAfter(a); i < window.size() && window.start(i) < b; i++) {
      long s = Math.max(a, window.start(i));
      long e = Math.min(b, window.end(i));
      if (e > s) {
        steps(s, e, part);
      }
    }
  }

  private void steps(long a, long b, Part part) {
    int i = stepOf(a);
    for (; i < out.length && edges[i] < b; i++) {
      long s = Math.max(a, edges[i]);
      long e = Math.min(b, edges[i + 1]);
      if (e > s) {
        out[i] += part.kwh(s, e);
      }
    }
  }

  private int stepOf(long t) {
    int lo = 0;
    int hi = out.length - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (edges[mid] <= t) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }
}
