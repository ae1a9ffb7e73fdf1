package io.kilowatch.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.Thread.State;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class BatchingWriterTest {

  /** Records write calls; the other operations are not used by the writer. */
  static class RecordingStore implements Store {
    final List<List<Sample>> batches = Collections.synchronizedList(new ArrayList<>());
    final AtomicBoolean failing = new AtomicBoolean();

    @Override
    public void write(List<Sample> batch) {
      if (failing.get()) {
        throw new StoreException("store is down");
      }
      batches.add(batch);
    }

    @Override
    public List<SeriesPoints> read(SeriesQuery query, Instant from, Instant to) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<SeriesBuckets> aggregate(
        SeriesQuery q, Instant from, Instant to, Duration step, Aggregate a) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<SeriesKey> listSeries(SeriesQuery query) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void close() {}

    int samples() {
      synchronized (batches) {
        return batches.stream().mapToInt(List::size).sum();
      }
    }
  }

  /** A clock moved by hand; its reads tell the test where the flusher is in its wait. */
  static final class StepClock implements InstantSource {
    private final AtomicReference<Instant> now =
        new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    private final AtomicInteger reads = new AtomicInteger();

    @Override
    public Instant instant() {
      reads.incrementAndGet();
      return now.get();
    }

    int reads() {
      return reads.get();
    }

    void advance(Duration d) {
      now.updateAndGet(t -> t.plus(d));
    }
  }

  private static Sample sample(int device, int i) {
    return Sample.of(
        Instant.ofEpochSecond(i),
        "pdu",
        Map.of("device", "d" + device),
        Map.of("power_w", 1.0 * i));
  }

  @Test
  void manyProducersLoseNothingAndWritesAreBatched() throws Exception {
    var store = new RecordingStore();
    // A flush period the test never reaches: only a full batch or close() writes.
    var writer = new BatchingWriter(store, 100_000, 100, Duration.ofMinutes(10));
    int producers = 50;
    int perProducer = 200;
    var done = new CountDownLatch(producers);
    for (int p = 0; p < producers; p++) {
      int dev = p;
      Thread.ofVirtual()
          .start(
              () -> {
                for (int i = 0; i < perProducer; i++) {
                  writer.accept(List.of(sample(dev, i)));
                }
                done.countDown();
              });
    }
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    writer.close();
    assertThat(store.samples()).isEqualTo(producers * perProducer);
    assertThat(writer.written()).isEqualTo(producers * perProducer);
    assertThat(writer.dropped()).isZero();
    // 10,000 single-sample polls in 100 full transactions.
    assertThat(store.batches)
        .hasSize(producers * perProducer / 100)
        .allSatisfy(b -> assertThat(b).hasSize(100));
  }

  @Test
  void anIdleWriterWaitsForASampleWithoutATimeoutAndRetriesHeldSamplesOnTheClock() {
    var store = new RecordingStore();
    var writer = new BatchingWriter(store, 1_000, 100, Duration.ofMillis(50));
    try {
      // Nothing queued and nothing held: an untimed wait, where a timed one woke the thread every
      // flush period to find nothing.
      await().atMost(Duration.ofSeconds(5)).until(() -> writer.flusherState() == State.WAITING);

      store.failing.set(true);
      writer.accept(List.of(sample(1, 1)));
      await().atMost(Duration.ofSeconds(5)).until(() -> writer.held() == 1);
      // Held samples are retried on the clock, with no new sample to wake the writer.
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> writer.flusherState() == State.TIMED_WAITING);
      store.failing.set(false);
      await().atMost(Duration.ofSeconds(5)).until(() -> store.samples() == 1);
      assertThat(writer.held()).isZero();
      assertThat(writer.dropped()).isZero();
      await().atMost(Duration.ofSeconds(5)).until(() -> writer.flusherState() == State.WAITING);
    } finally {
      writer.close();
    }
  }

  @Test
  void aBatchIsWrittenWhenASampleArrivesAfterTheFlushPeriodByTheClock() {
    var store = new RecordingStore();
    var clock = new StepClock();
    var period = Duration.ofMinutes(10);
    var writer = new BatchingWriter(store, 1_000, 100, period, Duration.ofSeconds(2), clock);
    try {
      writer.accept(List.of(sample(1, 1)));
      // Two reads: the flusher has set the batch's deadline and waits for more samples.
      await().atMost(Duration.ofSeconds(10)).until(() -> clock.reads() >= 2);
      writer.accept(List.of(sample(1, 2)));
      // A third read: the producer found the batch not yet due and let the flusher sleep on.
      await().atMost(Duration.ofSeconds(10)).until(() -> clock.reads() >= 3);
      assertThat(store.batches).isEmpty();

      clock.advance(period);
      writer.accept(List.of(sample(1, 3)));
      await().atMost(Duration.ofSeconds(10)).until(() -> store.batches.size() == 1);
      assertThat(store.batches.getFirst())
          .containsExactly(sample(1, 1), sample(1, 2), sample(1, 3));

      writer.accept(List.of(sample(1, 4)));
    } finally {
      writer.close();
    }
    assertThat(store.batches).hasSize(2);
    assertThat(store.batches.get(1))
        .as("close() writes the part batch")
        .containsExactly(sample(1, 4));
  }

  @Test
  void aFullQueueDropsAndCountsInsteadOfGrowingWithoutBound() {
    var store = new RecordingStore();
    store.failing.set(true);
    var writer = new BatchingWriter(store, 10, 5, Duration.ofMillis(10), Duration.ofMillis(1));
    var batch = new ArrayList<Sample>();
    for (int i = 0; i < 1_000; i++) {
      batch.add(sample(1, i));
    }
    writer.accept(batch);
    writer.close();
    assertThat(writer.depth()).isLessThanOrEqualTo(10);
    assertThat(writer.written()).isZero();
    assertThat(writer.dropped()).isEqualTo(1_000);
  }

  @Test
  void submitCompletesOnceTheStoreHasTheSamplesWithoutWaitingAFlushPeriod() throws Exception {
    // Ingest acknowledges on this future: it must mean "written", and come after one commit, not
    // after the ten minutes the collectors' samples may wait for company.
    var store = new RecordingStore();
    try (var writer = new BatchingWriter(store, 1_000, 100, Duration.ofMinutes(10))) {
      var stored = writer.submit(List.of(sample(1, 1), sample(1, 2))).orElseThrow();
      stored.get(5, TimeUnit.SECONDS);
      assertThat(store.samples()).isEqualTo(2);
    }
  }

  @Test
  void requestsArrivingDuringACommitShareTheNextOne() throws Exception {
    // Group commit: a thousand small requests must not cost a thousand commits.
    var entered = new CountDownLatch(1);
    var release = new CountDownLatch(1);
    var store =
        new RecordingStore() {
          @Override
          public void write(List<Sample> batch) {
            entered.countDown();
            try {
              release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            super.write(batch);
          }
        };
    try (var writer = new BatchingWriter(store, 10_000, 5_000, Duration.ofMinutes(10))) {
      var first = writer.submit(List.of(sample(0, 0))).orElseThrow();
      assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
      var later = new ArrayList<java.util.concurrent.CompletableFuture<Void>>();
      for (int r = 1; r <= 50; r++) {
        later.add(writer.submit(List.of(sample(r, 0), sample(r, 1))).orElseThrow());
      }
      assertThat(later).noneMatch(java.util.concurrent.CompletableFuture::isDone);
      release.countDown();
      first.get(5, TimeUnit.SECONDS);
      for (var f : later) {
        f.get(5, TimeUnit.SECONDS);
      }
      assertThat(store.batches).hasSize(2);
      assertThat(store.batches.get(1)).hasSize(100);
    }
  }

  @Test
  void aFailedWriteFailsItsRequestsAndIsReportedUntilAWriteSucceeds() throws Exception {
    var store = new RecordingStore();
    try (var writer = new BatchingWriter(store, 1_000, 100, Duration.ofMinutes(10))) {
      store.failing.set(true);
      var lost = writer.submit(List.of(sample(1, 1))).orElseThrow();
      assertThat(lost)
          .failsWithin(Duration.ofSeconds(5))
          .withThrowableThat()
          .withCauseInstanceOf(BatchingWriter.WriteFailedException.class)
          .withMessageContaining("store is down");
      assertThat(writer.failure())
          .hasValueSatisfying(f -> assertThat(f.cause()).isEqualTo("store is down"));

      store.failing.set(false);
      writer.submit(List.of(sample(1, 2))).orElseThrow().get(5, TimeUnit.SECONDS);
      assertThat(writer.failure()).isEmpty();
    }
  }

  @Test
  void aBatchThatDoesNotFitIsRefusedWholeAndNothingOfItIsQueued() {
    var store = new RecordingStore();
    try (var writer = new BatchingWriter(store, 3, 100, Duration.ofMinutes(10))) {
      // Three samples and their ticket need four places.
      assertThat(writer.submit(List.of(sample(1, 1), sample(1, 2), sample(1, 3)))).isEmpty();
      assertThat(writer.depth()).isZero();
    }
  }

  @Test
  void theCauseNamesEveryDistinctMessageDownTheChain() {
    var e =
        new StoreException(
            "write failed",
            new java.sql.SQLException(
                "IO Error: Could not write file \"/data/kw.duckdb.wal\": No space left on device"));
    assertThat(BatchingWriter.causeOf(e))
        .isEqualTo(
            "write failed: IO Error: Could not write file \"/data/kw.duckdb.wal\": No space left"
                + " on device");
  }

  @Test
  void theBacklogIsWhatIsQueuedAtThePaceOfTheLastWrite() throws Exception {
    var release = new CountDownLatch(1);
    var store =
        new RecordingStore() {
          @Override
          public void write(List<Sample> batch) {
            if (batches.size() == 1) {
              try {
                release.await(10, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
            try {
              Thread.sleep(batch.size()); // a millisecond a sample
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            super.write(batch);
          }
        };
    try (var writer = new BatchingWriter(store, 10_000, 5_000, Duration.ofMinutes(10))) {
      assertThat(writer.backlog()).as("no pace known yet").isZero();
      var samples = new ArrayList<Sample>();
      for (int i = 0; i < 100; i++) {
        samples.add(sample(1, i));
      }
      writer.submit(samples).orElseThrow().get(5, TimeUnit.SECONDS);
      // The second write waits for the latch; what queues behind it is the backlog.
      writer.submit(List.of(sample(2, 0))).orElseThrow();
      var behind = new ArrayList<Sample>();
      for (int i = 0; i < 1_000; i++) {
        behind.add(sample(3, i));
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> writer.depth() == 0);
      writer.submit(behind).orElseThrow();
      assertThat(writer.backlog()).isBetween(Duration.ofMillis(900), Duration.ofSeconds(3));
      release.countDown();
    }
  }
}
