package io.kilowatch.analytics;

import java.util.Arrays;

/**
 * A set of instants (epoch ms) as sorted, disjoint half-open intervals {@code [start, end)}: the
 * time where an energy is known. Ratios are computed over the intersection of such sets (R5), so
 * the numerator and the denominator cover exactly the same time.
 */
final class IntervalSet {
  static final IntervalSet EMPTY = new IntervalSet(new long[0], new long[0]);

  private final long[] starts;
  private final long[] ends;

  private IntervalSet(long[] starts, long[] ends) {
    this.starts = starts;
    this.ends = ends;
  }

  static IntervalSet of(long start, long end) {
    return end > start ? new IntervalSet(new long[] {start}, new long[] {end}) : EMPTY;
  }

  /** Collects intervals in any order; touching and overlapping ones are merged. */
  static final class Builder {
    private long[] s = new long[8];
    private long[] e = new long[8];
    private int n;
    private boolean sorted = true;

    Builder add(long start, long end) {
      if (end <= start) {
        return this;
      }
      if (n > 0) {
        if (start < s[n - 1]) {
          sorted = false;
        } else if (sorted && start <= e[n - 1]) {
          e[n - 1] = Math.max(e[n - 1], end);
          return this;
        }
      }
      if (n == s.length) {
        s = Arrays.copyOf(s, n * 2);
        e = Arrays.copyOf(e, n * 2);
      }
      s[n] = start;
      e[n] = end;
      n++;
      return this;
    }

    IntervalSet build() {
      if (n == 0) {
        return EMPTY;
      }
      if (!sorted) {
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
          order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compare(s[a], s[b]));
        long[] ss = new long[n];
        long[] ee = new long[n];
        for (int i = 0; i < n; i++) {
          ss[i] = s[order[i]];
          ee[i] = e[order[i]];
        }
        s = ss;
        e = ee;
      }
      long[] os = new long[n];
      long[] oe = new long[n];
      int m = 0;
      for (int i = 0; i < n; i++) {
        if (m > 0 && s[i] <= oe[m - 1]) {
          oe[m - 1] = Math.max(oe[m - 1], e[i]);
        } else {
          os[m] = s[i];
          oe[m] = e[i];
          m++;
        }
      }
      return new IntervalSet(Arrays.copyOf(os, m), Arrays.copyOf(oe, m));
    }
  }

  int size() {
    return starts.length;
  }

  long start(int i) {
    return starts[i];
  }

  long end(int i) {
    return ends[i];
  }

  boolean isEmpty() {
    return starts.length == 0;
  }

  IntervalSet intersect(IntervalSet o) {
    var b = new Builder();
    int i = 0;
    int j = 0;
    while (i < starts.length && j < o.starts.length) {
      long s = Math.max(starts[i], o.starts[j]);
      long e = Math.min(ends[i], o.ends[j]);
      b.add(s, e);
      if (ends[i] < o.ends[j]) {
        i++;
      } else {
        j++;
      }
    }
    return b.build();
  }

  IntervalSet intersect(long from, long to) {
    return intersect(of(from, to));
  }

  /** This set without {@code o}. */
  IntervalSet minus(IntervalSet o) {
    var b = new Builder();
    int j = 0;
    for (int i = 0; i < starts.length; i++) {
      long cur = starts[i];
      long end = ends[i];
      while (j < o.starts.length && o.ends[j] <= cur) {
        j++;
      }
      int k = j;
      while (k < o.starts.length && o.starts[k] < end) {
        b.add(cur, Math.min(end, o.starts[k]));
        cur = Math.max(cur, o.ends[k]);
        if (o.ends[k] >= end) {
          break;
        }
        k++;
      }
      b.add(cur, end);
    }
    return b.build();
  }

  /** Time of this set inside {@code [from, to)}, ms. */
  long measure(long from, long to) {
    long sum = 0;
    int i = firstEndingAfter(from);
    for (; i < starts.length && starts[i] < to; i++) {
      sum += Math.max(0, Math.min(ends[i], to) - Math.max(starts[i], from));
    }
    return sum;
  }

  long measure() {
    long sum = 0;
    for (int i = 0; i < starts.length; i++) {
      sum += ends[i] - starts[i];
    }
    return sum;
  }

  /** The index of the first interval that ends after {@code t}. */
  int firstEndingAfter(long t) {
    int lo = 0;
    int hi = starts.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (ends[mid] <= t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IntervalSet s
        && Arrays.equals(starts, s.starts)
        && Arrays.equals(ends, s.ends);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(starts) * 31 + Arrays.hashCode(ends);
  }

  @Override
  public String toString() {
    var sb = new StringBuilder("[");
    for (int i = 0; i < starts.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(starts[i]).append("..").append(ends[i]);
    }
    return sb.append(']').toString();
  }
}
