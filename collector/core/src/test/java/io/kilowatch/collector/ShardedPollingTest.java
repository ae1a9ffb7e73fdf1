package io.kilowatch.collector;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
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
    // Which instance polled each device; a device polled by both would show two names.
    var pollers = new ConcurrentHashMap<String, Set<String>>();
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
                            .computeIfAbsent(d.id(), k -> ConcurrentHashMap.newKeySet())
                            .add(instance);
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
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (pollers.size() < devices.size() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Thread.sleep(300); // a few more cycles, so a device polled twice would show
    } finally {
      schedulers.forEach(PollScheduler::close);
      writers.forEach(BatchingWriter::close);
    }

    assertThat(pollers.keySet()).containsExactlyInAnyOrderElementsOf(ids(24));
    assertThat(pollers.values()).allSatisfy(p -> assertThat(p).hasSize(1));
    assertThat(schedulers.get(0).statuses().size() + schedulers.get(1).statuses().size())
        .isEqualTo(24);
    assertThat(schedulers.get(0).statuses()).isNotEmpty();
    assertThat(schedulers.get(1).statuses()).isNotEmpty();
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
      assertThat(pollers.get(e.getKey())).containsExactly(e.getValue().getFirst());
    }
    stores.forEach(Store::close);
  }
}
