package io.kilowatch.bench;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Good answers per device: all of them, and those from the start of the measured part of a run on,
 * with the time of the first of those. The soak counts a device's stored samples from half an
 * interval before that first answer, when no poll of it is in flight, so the boundary between
 * warm-up and measurement cuts no poll in two.
 */
final class AnswerLog {
  private final AtomicLongArray total;
  private final AtomicLongArray measured;
  private final AtomicLongArray firstMeasuredMs;
  private volatile long measureFromMs = Long.MAX_VALUE;

  AnswerLog(int devices) {
    total = new AtomicLongArray(devices);
    measured = new AtomicLongArray(devices);
    firstMeasuredMs = new AtomicLongArray(devices);
  }

  /** Counted once the answer is written. */
  void answered(int device) {
    total.incrementAndGet(device);
    long now = System.currentTimeMillis();
    if (now >= measureFromMs) {
      firstMeasuredMs.compareAndSet(device, 0, now);
      measured.incrementAndGet(device);
    }
  }

  /** Answers from now on are the measured ones. */
  void measureFrom(long epochMs) {
    measureFromMs = epochMs;
  }

  /**
   * Zeroes the measured counts and measures again from {@code epochMs}, a time still to come: the
   * peer bench measures one collector after another on the same site. Answers before it are not
   * counted, so zeroing while answers arrive splits nothing.
   */
  void restartMeasuring(long epochMs) {
    measureFromMs = epochMs;
    for (int d = 0; d < measured.length(); d++) {
      measured.set(d, 0);
      firstMeasuredMs.set(d, 0);
    }
  }

  long total(int device) {
    return total.get(device);
  }

  long measured(int device) {
    return measured.get(device);
  }

  /** When the first measured answer was written, epoch ms; 0 if none yet. */
  long firstMeasuredMs(int device) {
    return firstMeasuredMs.get(device);
  }

  int size() {
    return total.length();
  }
}
