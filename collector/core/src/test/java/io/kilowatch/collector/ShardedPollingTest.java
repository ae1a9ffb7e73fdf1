package io.kilowatch.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kilowatch.config.CollectorConfig;
import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Shard;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.Source;
import io.kilowatch.store.BatchingWriter;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.store.Store;
import io.kilowatch.testkit.InfluxServer;
import io.kilowatch.testkit.TestSites;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Several collector instances share a site's devices through {@code collector.shard}. */
class ShardedPollingTest {
  @RegisterExtension static final InfluxServer SERVER = InfluxServer.withoutAuth();

  private static final Source DUMMY = new Source.Dcgm(URI.create("http://127.0.0.1:9/metrics"));

  private static List<String> ids(int n) {
    return IntStream.range(0, n).mapToObj(i -> "c1-r" + i / 8 + "-node" + i % 8).toList();
  }

  @Test
  void twoInstancesWithShardsZeroAndOneOfTwoPollEveryDeviceExactlyOnceIntoOneInfluxDb()
      throws Exception {
    var devices = new ArrayList<Device>();
    for (String id : ids(24)) {
      devices.add(
          TestSites.device(
              id, DeviceKind.GPU_NODE, DUMMY, Duration.ofMillis(100), Duration.ofMillis(90)));
    }
    SiteConfig site = TestSites.site(List.of(), devices);
    // Polls of each device by each instance; a device polled by both would show two names.
    var pollers = new ConcurrentHashMap<String, Map<String, AtomicInteger>>();
    var schedulers = new ArrayList<PollScheduler>();
    var writers = new ArrayList<BatchingWriter>();
    var stores = new ArrayList<Store>();
    var config = SERVER.newDatabase();
    try {
      for (int i = 0; i < 2; i++) {
        String instance = "collector-" + i;
        var store = io.kilowatch.store.influx.InfluxStore.open(config);
        if (i == 0) {
          store.createDatabase();
        }
        stores.add(store);
        var writer = new BatchingWriter(store, 10_000, 1_000, Duration.ofMillis(50));
        writers.add(writer);
        var scheduler =
            new PollScheduler(
                site.withCollector(new CollectorConfig(new Shard(i, 2))),
                writer::accept,
                Clock.systemUTC(),
                d ->
                    new DeviceCollector() {
                      @Override
                      public Device device() {
                        return d;
                      }

                      @Override
                      public List<Sample> poll() {
                        pollers
                            .computeIfAbsent(d.id(), k -> new ConcurrentHashMap<>())
                            .computeIfAbsent(instance, k -> new AtomicInteger())
                            .incrementAndGet();
                        return List.of(
                            new Sample(
                                Instant.now(),
                                "gpu",
                                new TreeMap<>(Map.of("device", d.id(), "instance", instance)),
                                new TreeMap<>(Map.of("power_w", 300.0)),
                                Quality.GOOD));
                      }

                      @Override
                      public void close() {}
                    });
        schedulers.add(scheduler);
      }
      schedulers.forEach(PollScheduler::start);
      // Three polls of every device: both instances have then run several cycles over all of
      // their devices, so a device that both of them poll has been polled by each.
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  pollers.keySet().containsAll(ids(24))
                      && pollers.values().stream()
                          .allMatch(
                              byInstance ->
                                  byInstance.values().stream().mapToInt(AtomicInteger::get).sum()
                                      >= 3));
    } finally {
      schedulers.forEach(PollScheduler::close);
      writers.forEach(BatchingWriter::close);
    }

    assertThat(pollers.keySet()).containsExactlyInAnyOrderElementsOf(ids(24));
    for (var e : pollers.entrySet()) {
      assertThat(e.getValue().keySet())
          .as("instances that polled %s", e.getKey())
          .containsExactly("collector-" + Shard.ownerOf(e.getKey(), 2));
    }
    assertThat(schedulers.get(0).statuses().size() + schedulers.get(1).statuses().size())
        .isEqualTo(24);
    assertThat(schedulers.get(0).statuses()).isNotEmpty();
    assertThat(schedulers.get(1).statuses()).isNotEmpty();
    // Every sample reached InfluxDB: a writer that dropped some (a write that failed, a close that
    // timed out behind a slow write) says why here, not as series missing below.
    for (int i = 0; i < writers.size(); i++) {
      BatchingWriter w = writers.get(i);
      // close() counts samples still held after failed writes as dropped.
      assertThat(w.dropped())
          .as(
              "samples collector-%d's writer dropped (last failure: %s)",
              i, w.failure().orElse(null))
          .isZero();
    }
    // Any instance reading the shared database sees every device, each from one collector.
    Map<String, List<String>> byDevice =
        stores.get(1).listSeries(SeriesQuery.of("gpu", "power_w")).stream()
            .collect(
                Collectors.groupingBy(
                    k -> k.tags().get("device"),
                    Collectors.mapping(k -> k.tags().get("instance"), Collectors.toList())));
    assertThat(byDevice.keySet()).containsExactlyInAnyOrderElementsOf(ids(24));
    assertThat(byDevice.values()).allSatisfy(i -> assertThat(i).hasSize(1));
    for (var e : byDevice.entrySet()) {
      assertThat(pollers.get(e.getKey()).keySet()).containsExactly(e.getValue().getFirst());
    }
    stores.forEach(Store::close);
  }
}
