package io.kilowatch.bench;

import java.util.Arrays;

/** Durations in microseconds, kept whole (a soak records at most a few million) for exact ranks. */
final class Histogram {
  private long[] values = new long[1024];
  private int size;

  synchronized void add(long micros) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = micros;
  }

  synchronized int count() {
    return size;
  }

  /** The value at quantile q (0..1) in milliseconds, or NaN when empty. */
  synchronized double quantileMs(double q) {
    if (size == 0) {
      return Double.NaN;
    }
    long[] sorted = Arrays.copyOf(values, size);
    Arrays.sort(sorted);
    int rank = (int) Math.min(size - 1, Math.ceil(q * size) - 1);
    return sorted[Math.max(0, rank)] / 1000.0;
  }
}
