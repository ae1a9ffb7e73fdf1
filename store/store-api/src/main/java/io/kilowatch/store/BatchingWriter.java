package io.kilowatch.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

  private final Store store;
  private final BlockingQueue<Sample> queue;
  private final int maxBatch;
  private final Duration flushEvery;
  private final Duration offerTimeout;
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
    this.store = store;
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
        if (first == null) {
          continue;
        }
        batch.add(first);
        // Let the batch fill for one flush period, so writes are few and large.
        long deadline = System.nanoTime() + flushEvery.toNanos();
        while (batch.size() < maxBatch && !closing) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            break;
          }
          Sample s = queue.poll(left, TimeUnit.NANOSECONDS);
          if (s == null) {
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
