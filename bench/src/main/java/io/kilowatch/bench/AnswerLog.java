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
  private final AtomicLongArray lastMs;
  private final AtomicLongArray late;
  private volatile long measureFromMs = Long.MAX_VALUE;
  private volatile long lateGapMs = Long.MAX_VALUE;

  AnswerLog(int devices) {
    lastMs = new AtomicLongArray(devices);
    late = new AtomicLongArray(devices);
    total = new AtomicLongArray(devices);
    measured = new AtomicLongArray(devices);
    firstMeasuredMs = new AtomicLongArray(devices);
  }

  /** A copy of another process's log: per device total, measured, first measured ms, late. */
  static AnswerLog of(long[][] rows) {
    AnswerLog log = new AnswerLog(rows.length);
    for (int d = 0; d < rows.length; d++) {
      log.total.set(d, rows[d][0]);
      log.measured.set(d, rows[d][1]);
      log.firstMeasuredMs.set(d, rows[d][2]);
      log.late.set(d, rows[d][3]);
    }
    return log;
  }

  /** Counted once the answer is written. */
  void answered(int device) {
    total.incrementAndGet(device);
    long now = System.currentTimeMillis();
    long previous = lastMs.getAndSet(device, now);
    if (now >= measureFromMs) {
      firstMeasuredMs.compareAndSet(device, 0, now);
      measured.incrementAndGet(device);
      // A poll that came more than the gap after the one before it started late (or one was
      // missed): seen from the device, without asking the poller.
      if (previous != 0 && now - previous > lateGapMs) {
        late.incrementAndGet(device);
      }
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
    restartMeasuring(epochMs, Long.MAX_VALUE);
  }

  /**
   * The same, counting as late every measured answer more than {@code lateGapMs} after the last.
   */
  void restartMeasuring(long epochMs, long lateGapMs) {
    measureFromMs = epochMs;
    this.lateGapMs = lateGapMs;
    for (int d = 0; d < measured.length(); d++) {
      measured.set(d, 0);
      firstMeasuredMs.set(d, 0);
      late.set(d, 0);
    }
  }

  /** Measured answers that came more than the late gap after the device's previous answer. */
  long late(int device) {
    return late.get(device);
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
