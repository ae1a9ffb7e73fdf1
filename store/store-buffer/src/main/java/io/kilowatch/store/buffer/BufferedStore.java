package io.kilowatch.store.buffer;

import io.kilowatch.store.Aggregate;
import io.kilowatch.store.BufferState;
import io.kilowatch.store.RejectedWriteException;
import io.kilowatch.store.Sample;
import io.kilowatch.store.SeriesBuckets;
import io.kilowatch.store.SeriesKey;
import io.kilowatch.store.SeriesPoints;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.Store;
import io.kilowatch.store.StoreException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Store-and-forward in front of a store that can be away (a database across the network): a write
 * the store cannot take goes to a {@link DiskBuffer} and is replayed in order, by one background
 * thread, once the store takes writes again. While anything is buffered, new writes queue behind
 * it, so the store receives batches in the order they were written.
 *
 * <p>{@link #write} returns only once the batch is in the store or forced to disk in the buffer: a
 * {@code kill -9} after that loses nothing. It throws only when the buffer is full (the batch is
 * then counted in {@link #droppedSamples()}) or when the store refuses the batch for good ({@link
 * RejectedWriteException}, counted in {@link #rejectedSamples()}), which retrying cannot mend.
 *
 * <p>Replay is at least once (a crash between delivering a batch and recording it delivered sends
 * it again), which stores make exactly once: a reading with the same series and timestamp replaces
 * the earlier one. Reads go straight to the store and do not see what is still buffered.
 */
public final class BufferedStore implements Store {
  private static final Logger log = LoggerFactory.getLogger(BufferedStore.class);

  /** Name of the buffer directory under the data directory. */
  public static final String DIRECTORY = "buffer";

  private final Store store;
  private final DiskBuffer buffer;
  private final Duration minRetry;
  private final Duration maxRetry;
  private final ReentrantLock order = new ReentrantLock();
  private final Object wake = new Object();
  private final Thread replayer;
  private final AtomicLong bufferedSamples = new AtomicLong();
  private final AtomicLong replayedSamples = new AtomicLong();
  private final AtomicLong droppedSamples = new AtomicLong();
  private final AtomicLong rejectedSamples = new AtomicLong();
  private volatile boolean closing;
  private volatile int warnedPercent;

  public BufferedStore(Store store, DiskBuffer buffer, Duration minRetry, Duration maxRetry) {
    this.store = store;
    this.buffer = buffer;
    this.minRetry = minRetry;
    this.maxRetry = maxRetry;
    this.replayer = Thread.ofVirtual().name("store-buffer-replay").start(this::replay);
  }

  /** Buffers under {@code dataDir/buffer}, retrying every 0.5 s up to every 30 s. */
  public static BufferedStore open(Store store, Path dataDir, long maxBytes) {
    return new BufferedStore(
        store,
        DiskBuffer.open(dataDir.resolve(DIRECTORY), maxBytes),
        Duration.ofMillis(500),
        Duration.ofSeconds(30));
  }

  @Override
  public void write(List<Sample> batch) {
    if (batch.isEmpty()) {
      return;
    }
    order.lock();
    try {
      if (buffer.isEmpty()) {
        try {
          store.write(batch);
          return;
        } catch (RejectedWriteException e) {
          rejectedSamples.addAndGet(batch.size());
          throw e;
        } catch (RuntimeException e) {
          log.warn(
              "store cannot take writes ({}); buffering to disk and replaying when it is back",
              e.getMessage());
        }
      }
      if (!buffer.append(batch)) {
        long d = droppedSamples.addAndGet(batch.size());
        log.error(
            "disk buffer full ({} of {} bytes): {} samples dropped so far; raise"
                + " store.buffer.maxBytes or bring the store back",
            buffer.bytes(),
            buffer.maxBytes(),
            d);
        throw new StoreException("disk buffer full: " + batch.size() + " samples dropped");
      }
      bufferedSamples.addAndGet(batch.size());
      warnWhenFilling();
    } finally {
      order.unlock();
    }
    synchronized (wake) {
      wake.notifyAll();
    }
  }

  private void warnWhenFilling() {
    int percent = (int) (100 * buffer.bytes() / buffer.maxBytes());
    for (int level : new int[] {50, 80, 95}) {
      if (percent >= level && warnedPercent < level) {
        warnedPercent = level;
        log.warn(
            "disk buffer is {}% full ({} of {} bytes); writes are dropped when it is full",
            level, buffer.bytes(), buffer.maxBytes());
      }
    }
  }

  private void replay() {
    Duration delay = minRetry;
    while (!closing) {
      DiskBuffer.Entry entry;
      try {
        entry = buffer.peek();
      } catch (StoreException e) {
        if (closing) {
          return;
        }
        log.error("cannot read the disk buffer; retrying in {}: {}", maxRetry, e.getMessage());
        await(maxRetry);
        continue;
      }
      if (entry == null) {
        await(Duration.ofSeconds(1));
        continue;
      }
      try {
        store.write(entry.samples());
        replayedSamples.addAndGet(entry.samples().size());
        delay = minRetry;
      } catch (RejectedWriteException e) {
        rejectedSamples.addAndGet(entry.samples().size());
        log.error("store refused a buffered batch for good, skipping it: {}", e.getMessage());
      } catch (RuntimeException e) {
        await(delay);
        delay = delay.multipliedBy(2).compareTo(maxRetry) > 0 ? maxRetry : delay.multipliedBy(2);
        continue;
      }
      order.lock();
      try {
        buffer.acknowledge(entry);
        if (buffer.isEmpty()) {
          warnedPercent = 0;
          log.info("disk buffer replayed; {} samples delivered so far", replayedSamples.get());
        }
      } finally {
        order.unlock();
      }
    }
  }

  private void await(Duration d) {
    synchronized (wake) {
      if (closing) {
        return;
      }
      try {
        wake.wait(Math.max(1, d.toMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        closing = true;
      }
    }
  }

  @Override
  public List<SeriesPoints> read(SeriesQuery query, Instant from, Instant to) {
    return store.read(query, from, to);
  }

  @Override
  public List<SeriesBuckets> aggregate(
      SeriesQuery query, Instant from, Instant to, Duration step, Aggregate aggregate) {
    return store.aggregate(query, from, to, step, aggregate);
  }

  @Override
  public List<SeriesKey> listSeries(SeriesQuery query) {
    return store.listSeries(query);
  }

  /** The store behind the buffer. */
  public Store store() {
    return store;
  }

  @Override
  public Optional<BufferState> bufferState() {
    return Optional.of(
        new BufferState(
            isBuffering(),
            bufferedBytes(),
            bufferedBatches(),
            replayedSamples(),
            droppedSamples(),
            rejectedSamples()));
  }

  /** Whether batches wait in the buffer. */
  public boolean isBuffering() {
    return !buffer.isEmpty();
  }

  public long bufferedBytes() {
    return buffer.bytes();
  }

  public long bufferedBatches() {
    return buffer.batches();
  }

  /** Samples that went to the buffer since start. */
  public long bufferedSamples() {
    return bufferedSamples.get();
  }

  /** Samples delivered from the buffer since start. */
  public long replayedSamples() {
    return replayedSamples.get();
  }

  /** Samples lost because the buffer was full. */
  public long droppedSamples() {
    return droppedSamples.get();
  }

  /** Samples the store refused for good. */
  public long rejectedSamples() {
    return rejectedSamples.get();
  }

  /** Stops replaying (what is left stays on disk for the next start) and closes the store. */
  @Override
  public void close() {
    closing = true;
    synchronized (wake) {
      wake.notifyAll();
    }
    try {
      if (!replayer.join(Duration.ofSeconds(10))) {
        replayer.interrupt();
        log.warn("buffer replay did not stop within 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    order.lock();
    try {
      if (!buffer.isEmpty()) {
        log.info("{} batches stay in the disk buffer until the next start", buffer.batches());
      }
      buffer.close();
    } finally {
      order.unlock();
    }
    store.close();
  }
}
