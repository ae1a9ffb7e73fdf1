package io.kilowatch.store;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
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
 *
 * <p>A writer that must know its samples are stored (ingest, which acknowledges to a client) uses
 * {@link #submit}: the returned future completes once the store has committed the write holding
 * them. A waiting submit ends the batch early, so a client waits for one commit, not a flush
 * period; requests that arrive while a write is running share the next commit (group commit).
 *
 * <p>When a write fails (a full disk), the collectors' samples of that batch are held, oldest
 * dropped first beyond the queue's capacity, and written with the next write that succeeds, so a
 * store outage shorter than that costs no collected reading. Samples of {@link #submit} are not
 * held: their caller was told the write failed and sends them again.
 */
public final class BatchingWriter implements Consumer<List<Sample>>, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BatchingWriter.class);

  /** Monotonic, so a wall-clock step neither cuts a batch short nor stretches it. */
  private static final InstantSource MONOTONIC = () -> Instant.EPOCH.plusNanos(System.nanoTime());

  /** Put on the queue by {@link #close()} to wake a flusher that waits for the next sample. */
  private static final Sample WAKE = Sample.of(Instant.EPOCH, "wake", Map.of(), Map.of());

  private final Store store;

  /** Samples, and the {@link Ticket}s of {@link #submit} after the samples they stand for. */
  private final BlockingQueue<Object> queue;

  private final int maxBatch;
  private final Duration flushEvery;
  private final Duration offerTimeout;
  private final InstantSource clock;
  private final Thread flusher;
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong failedWrites = new AtomicLong();

  /** Collected samples of failed writes, oldest first; touched by the flusher thread only. */
  private final java.util.ArrayDeque<Sample> held = new java.util.ArrayDeque<>();

  private final int maxHeld;

  /** When the held samples may be tried again on their own; a failing store is not hammered. */
  private long nextHeldRetry;

  private static final Duration HELD_RETRY = Duration.ofSeconds(1);
  private volatile int heldCount;
  private volatile boolean closing;
  private volatile Failure failure;

  /** While the flusher sleeps through a period: the samples still wanted for a full batch. */
  private volatile int room;

  /** While the flusher sleeps through a period: when, by the clock, the batch is due. */
  private volatile Instant fillDeadline = Instant.MAX;

  /** Nanoseconds the store took per sample in its last write; 0 before the first. */
  private volatile double nanosPerSample;

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
    this.maxHeld = capacity;
    this.maxBatch = maxBatch;
    this.flushEvery = flushEvery;
    this.offerTimeout = offerTimeout;
    // A platform thread: a flush into DuckDB is a long native call, which pins a virtual thread's
    // carrier, and with one carrier per core two pinned carriers stall every poll loop.
    this.flusher = Thread.ofPlatform().daemon().name("store-writer").start(this::run);
  }

  /** Why store writes fail, since when; cleared by the next write that succeeds. */
  public record Failure(String cause, Instant since) {}

  /** A sample of {@link #submit}: its caller hears of a failed write, so it is never held. */
  private record Pushed(Sample sample) {}

  /** Completed by the flusher once every sample queued before it is committed, or not. */
  private record Ticket(CompletableFuture<Void> done, long failedWritesBefore) {}

  /** Thrown (through the future of {@link #submit}) when a store write of the samples failed. */
  public static final class WriteFailedException extends RuntimeException {
    public WriteFailedException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Queues {@code samples} without waiting for room.
   *
   * @return empty when the queue has no room for all of them now (nothing was queued); otherwise a
   *     future that completes when the store has committed them, or fails with {@link
   *     WriteFailedException} when a write that may have held some of them failed
   */
  public Optional<CompletableFuture<Void>> submit(List<Sample> samples) {
    if (closing) {
      return Optional.empty();
    }
    // Any failed write from here on may have held some of these samples: the ticket then fails,
    // even if its own batch is written. A client retrying a stored point only replaces it.
    var ticket = new Ticket(new CompletableFuture<>(), failedWrites.get());
    synchronized (this) {
      // All or nothing, so a refusal leaves nothing half queued; producers of accept() may still
      // take room in between, which only makes an offer below fail.
      if (queue.remainingCapacity() < samples.size() + 1) {
        return Optional.empty();
      }
      for (Sample s : samples) {
        if (!queue.offer(new Pushed(s))) {
          ticket.done().completeExceptionally(new WriteFailedException("store queue full", null));
          return Optional.of(ticket.done());
        }
      }
      if (!queue.offer(ticket)) {
        ticket.done().completeExceptionally(new WriteFailedException("store queue full", null));
      }
    }
    // Someone waits for this commit: the flusher writes what is queued now.
    LockSupport.unpark(flusher);
    return Optional.of(ticket.done());
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
          queued = queue.offer(s);
          if (!queued) {
            // Full: the flusher may be sleeping through its period; it is needed now.
            LockSupport.unpark(flusher);
            queued = queue.offer(s, offerTimeout.toMillis(), TimeUnit.MILLISECONDS);
          }
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
    int r = room;
    if (r > 0 && (queue.size() >= r || !clock.instant().isBefore(fillDeadline))) {
      LockSupport.unpark(flusher);
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    var batch = new ArrayList<Object>(maxBatch);
    while (!closing || !queue.isEmpty()) {
      try {
        // Idle with nothing held, it sleeps until something comes: a timed wake-up a second with
        // nothing to write is CPU for nothing (bench/README.md, "Wake-ups"). Held samples are
        // retried on the clock.
        Object first =
            held.isEmpty()
                ? queue.take()
                : queue.poll(flushEvery.toMillis(), TimeUnit.MILLISECONDS);
        if (first == null || first == WAKE) {
          if (!held.isEmpty() && System.nanoTime() - nextHeldRetry >= 0) {
            flush(batch); // try the held samples again
          }
          continue;
        }
        batch.add(first);
        fill(batch);
        queue.drainTo(batch, maxBatch - batch.size());
        flush(batch);
      } catch (InterruptedException e) {
        closing = true;
      }
    }
    queue.drainTo(batch);
    flush(batch);
    if (!held.isEmpty()) {
      dropped.addAndGet(held.size());
      log.error("store writer closed with {} collected samples it could not store", held.size());
      held.clear();
      heldCount = 0;
    }
    // A submit that raced close() finds no flusher: tell it, rather than let it wait forever.
    for (Object o : queue) {
      if (o instanceof Ticket t) {
        t.done().completeExceptionally(new WriteFailedException("store writer closed", null));
      }
    }
  }

  /**
   * Lets the batch fill for one flush period, so writes are few and large; unless someone waits for
   * it: then what is queued now goes in one write, and later arrivals in the next. The flusher
   * sleeps through the period and takes what came in bulk: waiting on the queue sample by sample
   * woke it once per sample (2,500 times a second at 25,000 GPUs, a futex pair each). Producers
   * wake it early only for a full batch, a batch due by the clock, a waiting submit, or close.
   */
  private void fill(List<Object> batch) {
    Instant deadline = clock.instant().plus(flushEvery);
    while (batch.size() < maxBatch && !closing && !(batch.getLast() instanceof Ticket)) {
      int before = batch.size();
      queue.drainTo(batch, maxBatch - batch.size());
      if (endsBatch(batch, before) || batch.size() >= maxBatch) {
        return;
      }
      long left = Duration.between(clock.instant(), deadline).toNanos();
      if (left <= 0) {
        return;
      }
      fillDeadline = deadline;
      room = maxBatch - batch.size();
      // Checked after announcing the room: a producer that filled it before the announcement is
      // seen here, one after it unparks (a permit, so no wake-up is lost).
      if (queue.size() < room && !closing) {
        // At most one period: a clock stepped back must not hold a batch longer.
        LockSupport.parkNanos(this, Math.min(left, flushEvery.toNanos()));
      }
      room = 0;
      if (Thread.interrupted()) {
        closing = true; // as an interrupted wait on the queue does
        return;
      }
    }
  }

  /** Whether what was drained from {@code from} on holds a waiting submit's ticket or a wake. */
  private static boolean endsBatch(List<Object> batch, int from) {
    for (int i = from; i < batch.size(); i++) {
      Object o = batch.get(i);
      if (o instanceof Ticket || o == WAKE) {
        return true;
      }
    }
    return false;
  }

  private void flush(List<Object> batch) {
    var samples = new ArrayList<Sample>(held.size() + batch.size());
    samples.addAll(held);
    var collected = new ArrayList<Sample>();
    var tickets = new ArrayList<Ticket>();
    for (Object o : batch) {
      switch (o) {
        case Ticket t -> tickets.add(t);
        case Pushed p -> samples.add(p.sample());
        case Sample s when s != WAKE -> {
          samples.add(s);
          collected.add(s);
        }
        default -> {}
      }
    }
    batch.clear();
    if (!samples.isEmpty()) {
      try {
        long t0 = System.nanoTime();
        store.write(List.copyOf(samples));
        nanosPerSample = (double) (System.nanoTime() - t0) / samples.size();
        written.addAndGet(samples.size());
        if (failure != null) {
          log.info(
              "store writes work again (failing since {}: {}); {} held samples written",
              failure.since(),
              failure.cause(),
              held.size());
          failure = null;
        }
        held.clear();
      } catch (RuntimeException e) {
        failedWrites.incrementAndGet();
        nextHeldRetry = System.nanoTime() + HELD_RETRY.toNanos();
        held.addAll(collected);
        long lost = 0;
        while (held.size() > maxHeld) {
          held.removeFirst();
          lost++;
        }
        if (lost > 0) {
          long d = dropped.addAndGet(lost);
          if (Long.numberOfTrailingZeros(d) >= 10 || d == lost) {
            log.error("store writes fail and the held samples overflow: {} dropped so far", d);
          }
        }
        String cause = causeOf(e);
        // Once per change of state: a full disk fails every write, and one line per second
        // would bury the one that names the cause.
        if (failure == null) {
          log.error(
              "store writes fail: collected samples are held (up to {}) and written when the store"
                  + " works again; ingest answers 507: {}",
              maxHeld,
              cause,
              e);
        }
        failure = new Failure(cause, failure == null ? Instant.now() : failure.since());
      }
      heldCount = held.size();
    }
    long failed = failedWrites.get();
    Failure f = failure;
    for (Ticket t : tickets) {
      if (failed == t.failedWritesBefore()) {
        t.done().complete(null);
      } else {
        t.done()
            .completeExceptionally(
                new WriteFailedException(
                    "store write failed: " + (f != null ? f.cause() : "see the log"), null));
      }
    }
  }

  /**
   * Every distinct message down the cause chain: the JDBC layer wraps the operating system's "No
   * space left on device" and the file's path.
   */
  static String causeOf(Throwable e) {
    var parts = new ArrayList<String>();
    for (Throwable t = e; t != null && parts.size() < 5; t = t.getCause()) {
      String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage().strip();
      if (parts.stream().noneMatch(p -> p.contains(m))) {
        parts.add(m);
      }
    }
    return String.join(": ", parts);
  }

  /** Why store writes fail now, when the last write failed. */
  public Optional<Failure> failure() {
    return Optional.ofNullable(failure);
  }

  public long written() {
    return written.get();
  }

  public long dropped() {
    return dropped.get();
  }

  /** Collected samples held after failed writes, waiting for the store to work again. */
  public int held() {
    return heldCount;
  }

  public int depth() {
    return queue.size();
  }

  /**
   * How long the store needs for what is queued, at the pace of its last write: a caller that waits
   * for its commit can refuse at once rather than time out behind it.
   */
  public Duration backlog() {
    return Duration.ofNanos((long) (nanosPerSample * queue.size()));
  }

  /** What the flusher thread is doing now (for tests: an idle writer waits without a timeout). */
  Thread.State flusherState() {
    return flusher.getState();
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
    LockSupport.unpark(flusher);
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
