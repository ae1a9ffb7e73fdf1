package io.kilowatch.bench;

import io.kilowatch.store.Store;
import io.kilowatch.store.buffer.BufferedStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The store outage's outcome (InfluxDB only): how long influxd was away, and what the disk buffer
 * held and replayed meanwhile.
 */
record StoreOutage(
    Duration down,
    long bufferedSamples,
    long replayedSamples,
    long droppedSamples,
    long rejectedSamples,
    long leftBatches) {
  static final String WHAT = "store (influxd)";

  /** Null for a store without a disk buffer (the embedded store cannot go away on its own). */
  static StoreOutage summarize(Store store, List<Outages.Happened> happened) {
    if (!(store instanceof BufferedStore b)) {
      return null;
    }
    Duration down = Duration.ZERO;
    for (Outages.Happened h : happened) {
      if (h.window().what().equals(WHAT) && h.down() != null && h.up() != null) {
        down = down.plus(Duration.between(h.down(), h.up()));
      }
    }
    return new StoreOutage(
        down,
        b.bufferedSamples(),
        b.replayedSamples(),
        b.droppedSamples(),
        b.rejectedSamples(),
        b.bufferedBatches());
  }

  /** Waits until a buffered store has replayed what it held, so the count reads it back. */
  static void awaitReplayed(Store store, Duration wait) throws InterruptedException {
    if (!(store instanceof BufferedStore b)) {
      return;
    }
    Instant deadline = Instant.now().plus(wait);
    while (b.isBuffering() && Instant.now().isBefore(deadline)) {
      Thread.sleep(250);
    }
  }
}
