package io.kilowatch.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kilowatch.collector.opcua.OpcUaCollector;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.Device;
import io.kilowatch.config.Profile;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.store.Aggregate;
import io.kilowatch.store.BatchingWriter;
import io.kilowatch.store.Sample;
import io.kilowatch.store.SeriesBuckets;
import io.kilowatch.store.SeriesKey;
import io.kilowatch.store.SeriesPoints;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.Store;
import io.kilowatch.store.StoreException;
import io.kilowatch.store.buffer.BufferedStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every queue between a device and the store is bounded and counts what it had to let go, so a
 * stalled or absent store costs samples that are reported, never an ever-growing heap.
 */
class QueueBoundsTest {
  @TempDir Path dir;

  /** A store that is away: writes block (stalled) or fail (down) until released. */
  private static final class AwayStore implements Store {
    final CountDownLatch release = new CountDownLatch(1);
    final boolean failing;

    AwayStore(boolean failing) {
      this.failing = failing;
    }

    @Override
    public void write(List<Sample> batch) {
      if (failing) {
        throw new StoreException("store is away");
      }
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public List<SeriesPoints> read(SeriesQuery query, Instant from, Instant to) {
      return List.of();
    }

    @Override
    public List<SeriesBuckets> aggregate(
        SeriesQuery query, Instant from, Instant to, Duration step, Aggregate aggregate) {
      return List.of();
    }

    @Override
    public List<SeriesKey> listSeries(SeriesQuery query) {
      return List.of();
    }

    @Override
    public void close() {
      release.countDown();
    }
  }

  private static List<Sample> samples(int n) {
    var out = new ArrayList<Sample>(n);
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    for (int i = 0; i < n; i++) {
      out.add(
          Sample.of(
              t0.plusSeconds(i), "gpu", Map.of("device", "n" + i), Map.of("power_w", 300.0 + i)));
    }
    return out;
  }

  @Test
  void batchingWriterHoldsAtMostItsCapacityAndCountsTheRestAsDropped() {
    var store = new AwayStore(false);
    try (var writer =
        new BatchingWriter(store, 100, 10, Duration.ofMillis(20), Duration.ofMillis(1))) {
      writer.accept(samples(1_000));

      assertThat(writer.depth()).isLessThanOrEqualTo(100);
      assertThat(writer.remainingCapacity()).isZero();
      // At most one batch is in the stalled store's hands, the queue holds the capacity, the
      // rest is counted, not kept.
      assertThat(writer.dropped()).isBetween(1_000L - 100 - 10, 1_000L - 100);
      store.release.countDown();
    }
  }

  @Test
  void diskBufferStopsAtItsByteBoundAndCountsDroppedSamples() {
    var store = new AwayStore(true);
    long maxBytes = 64 * 1024;
    try (var buffered = BufferedStore.open(store, dir, maxBytes)) {
      int refused = 0;
      for (int i = 0; i < 200; i++) {
        try {
          buffered.write(samples(50));
        } catch (StoreException full) {
          refused++;
        }
      }

      assertThat(buffered.isBuffering()).isTrue();
      assertThat(buffered.bufferedBytes()).isPositive().isLessThanOrEqualTo(maxBytes);
      assertThat(buffered.droppedSamples()).isPositive().isEqualTo(refused * 50L);
      assertThat(buffered.bufferedSamples() + buffered.droppedSamples()).isEqualTo(200L * 50);
    }
  }

  @Test
  void opcUaSubscriptionInboxKeepsItsCapAndCountsWhatItDropped() throws Exception {
    // One CDU of the scale site, subscribed at 50 ms sampling and never polled: its six values
    // change on every sample, so the inbox between polls fills past its cap of 40.
    var spec =
        new ScaleSite.Spec(
            8, 2, 1, Duration.ofSeconds(10), Duration.ofSeconds(2), List.of(), Duration.ZERO);
    try (ScaleSite site = ScaleSite.start(spec)) {
      Path yaml = dir.resolve("site.yaml");
      Files.writeString(
          yaml,
          site.siteYaml(dir.resolve("data"))
              .replaceAll("(?m)^( *)mode: poll$", "$1mode: subscribe\n$1samplingInterval: 50ms"));
      SiteConfig config = ConfigLoader.load(yaml);
      Device cdu =
          config.allDevices().filter(d -> d.id().equals("cdu-0")).findFirst().orElseThrow();
      var profile = (Profile.OpcUa) config.profile(cdu.profile()).orElseThrow();
      int cap = 40;
      try (var collector =
          new OpcUaCollector(
              cdu, (Source.OpcUa) cdu.source(), profile, config, Clock.systemUTC(), cap)) {
        // The first poll opens the session and subscribes; until it is open, polls give nothing
        // (a first connection) or fail (a retry).
        await("subscribed")
            .atMost(Duration.ofSeconds(20))
            .pollDelay(Duration.ZERO)
            .pollInterval(Duration.ofMillis(50))
            .ignoreException(IOException.class)
            // The same thread reads the baseline right after, before more values arrive.
            .pollInSameThread()
            .until(
                () -> {
                  collector.poll();
                  return !collector.connecting();
                });
        long received0 = collector.notificationCount();
        await("three inboxes' worth of values received")
            .atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(50))
            .until(() -> collector.notificationCount() - received0 >= 3L * cap);
        // Stop the server so nothing more arrives, then hand over the inbox.
        site.cduServer().close();
        // A delivery in flight at the close counts each value before dropping one: read both
        // counters again until they agree.
        var received = new AtomicLong();
        var dropped = new AtomicLong();
        await("received and dropped values agree")
            .atMost(Duration.ofSeconds(10))
            .pollDelay(Duration.ZERO)
            .pollInterval(Duration.ofMillis(20))
            .untilAsserted(
                () -> {
                  received.set(collector.notificationCount() - received0);
                  dropped.set(collector.droppedValues());
                  assertThat(dropped.get()).as("values dropped").isEqualTo(received.get() - cap);
                });
        int handed = 0;
        for (Sample s : collector.poll()) {
          handed += s.fields().size();
        }

        assertThat(received.get()).as("values received").isGreaterThanOrEqualTo(3L * cap);
        // The inbox's cap, and the last value of each point that has none in it: under a live
        // subscription a point that did not change is handed over again, stamped with the poll.
        assertThat(handed).as("values handed over").isBetween(cap, cap + profile.points().size());
      }
    }
  }
}
