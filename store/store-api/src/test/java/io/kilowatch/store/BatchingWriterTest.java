package io.kilowatch.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
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
    var writer = new BatchingWriter(store, 100_000, 5_000, Duration.ofMillis(50));
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
    assertThat(done.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    writer.close();
    assertThat(store.samples()).isEqualTo(producers * perProducer);
    assertThat(writer.written()).isEqualTo(producers * perProducer);
    assertThat(writer.dropped()).isZero();
    // 10,000 samples in far fewer transactions than polls.
    assertThat(store.batches.size()).isLessThan(producers * perProducer / 10);
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
