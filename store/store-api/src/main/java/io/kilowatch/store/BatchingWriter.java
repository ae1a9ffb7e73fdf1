package io.kilowatch.store;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gathers the small batches of many device loops into larger store writes.
 *
 * <p>Each poll yields a handful of samples; writing each as its own transaction would spend the
 * store's time on commits. The queue is bounded so a stalled store cannot eat the heap: when it is
 * full, producers wait up to {@code offerTimeout} and then the samples are counted as dropped and
 * logged (store-and-forward to disk replaces dropping once a disk buffer sits behind this).
 */
public final class BatchingWriter implements Consumer<List<Sample>>, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BatchingWriter.class);

  /** Monotonic, so a wall-clock step neither cuts a batch short nor stretches it. */
  private static final InstantSource MONOTONIC = () -> Instant.EPOCH.plusNanos(System.nanoTime());

  /** Put on the queue by {@link #close()} to wake a flusher that waits for the next sample. */
  private static final Sample WAKE = Sample.of(Instant.EPOCH, "wake", Map.of(), Map.of());

  private final Store store;
  private final BlockingQueue<Sample> queue;
  private final int maxBatch;
  private final Duration flushEvery;
  private final Duration offerTimeout;
  private final InstantSource clock;
  private final Thread flusher;
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong failedWrites = new AtomicLong();
  private volatile boolean closing;

  public BatchingWriter(Store store, int capacity, int maxBatch, Duration flushEvery) {
    this(store, capacity, maxBatch, flushEvery, Duration.ofSeconds(2));
  }

  public BatchingWriter(
      Store store, int capacity, int maxBatch, Duration flushEvery, Duration offerTimeout) {
    this(store, capacity, maxBatch, flushEvery, offerTimeout, MONOTONIC);
  }

  /**
   * With the source of the flush schedule: a batch is written once it is full or {@code flushEvery}
   * after its first sample by {@code clock}.
   */
  public BatchingWriter(
      Store store,
      int capacity,
      int maxBatch,
      Duration flushEvery,
      Duration offerTimeout,
      InstantSource clock) {
    this.store = store;
    this.clock = clock;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.maxBatch = maxBatch;
    this.flushEvery = flushEvery;
    this.offerTimeout = offerTimeout;
    // A platform thread: a flush into DuckDB is a long native call, which pins a virtual thread's
    // carrier, and with one carrier per core two pinned carriers stall every poll loop.
    this.flusher = Thread.ofPlatform().daemon().name("store-writer").start(this::run);
  }

  @Override
  public void accept(List<Sample> samples) {
    boolean interrupted = false;
    for (Sample s : samples) {
      boolean queued;
      if (closing) {
        queued = false;
      } else if (interrupted) {
        // An interrupt only cuts the waiting short: take what fits without waiting.
        queued = queue.offer(s);
      } else {
        try {
          queued = queue.offer(s, offerTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          interrupted = true;
          queued = queue.offer(s);
        }
      }
      if (!queued) {
        long d = dropped.incrementAndGet();
        if (Long.bitCount(d) == 1) { // log at 1, 2, 4, 8… so a long outage does not flood
          log.error("store write queue full: {} samples dropped so far", d);
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    var batch = new ArrayList<Sample>(maxBatch);
    while (!closing || !queue.isEmpty()) {
      try {
        Sample first = queue.poll(flushEvery.toMillis(), TimeUnit.MILLISECONDS);
        if (first == null || first == WAKE) {
          continue;
        }
        batch.add(first);
        // Let the batch fill for one flush period, so writes are few and large.
        Instant deadline = clock.instant().plus(flushEvery);
        while (batch.size() < maxBatch && !closing) {
          long left = Duration.between(clock.instant(), deadline).toNanos();
          if (left <= 0) {
            break;
          }
          // At most one period: a clock stepped back must not hold a batch longer.
          Sample s = queue.poll(Math.min(left, flushEvery.toNanos()), TimeUnit.NANOSECONDS);
          if (s == null || s == WAKE) {
            break;
          }
          batch.add(s);
        }
        queue.drainTo(batch, maxBatch - batch.size());
        flush(batch);
      } catch (InterruptedException e) {
        closing = true;
      }
    }
    queue.drainTo(batch);
    flush(batch);
  }

  private void flush(List<Sample> batch) {
    batch.removeIf(s -> s == WAKE);
    if (batch.isEmpty()) {
      return;
    }
    try {
      store.write(List.copyOf(batch));
      written.addAndGet(batch.size());
    } catch (RuntimeException e) {
      failedWrites.incrementAndGet();
      dropped.addAndGet(batch.size());
      log.error("store write of {} samples failed: {}", batch.size(), e.toString());
    }
    batch.clear();
  }

  public long written() {
    return written.get();
  }

  public long dropped() {
    return dropped.get();
  }

  public int depth() {
    return queue.size();
  }

  /** Samples the queue can take now without waiting (for callers that prefer to refuse). */
  public int remainingCapacity() {
    return queue.remainingCapacity();
  }

  /** Flushes what is queued; waits at most ten seconds. */
  @Override
  public void close() {
    closing = true;
    // A full queue needs no wake-up: the flusher is not waiting then.
    queue.offer(WAKE);
    try {
      if (!flusher.join(Duration.ofSeconds(10))) {
        flusher.interrupt();
        log.warn("store writer did not finish within 10 s; {} samples left", queue.size());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
