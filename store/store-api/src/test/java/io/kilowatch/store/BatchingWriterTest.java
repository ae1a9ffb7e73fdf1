package io.kilowatch.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
  static final class RecordingStore implements Store {
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
      // A third read: the second sample joined the batch before the deadline.
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
}
