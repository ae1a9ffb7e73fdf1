package io.kilowatch.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kilowatch.config.CollectorConfig;
import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.Shard;
import io.kilowatch.config.YamlTree;
import io.kilowatch.simulator.DemoOptions;
import io.kilowatch.simulator.DemoSite;
import io.kilowatch.testkit.InfluxServer;
import io.kilowatch.testkit.site.YamlMaps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The README's three-machine layout in one JVM: two collectors (shards 0/2 and 1/2) and a
 * dashboard-only instance (shard none) share one real InfluxDB; the dashboard sees the whole site.
 */
class ScaleOutEndToEndTest {
  @RegisterExtension static final InfluxServer SERVER = InfluxServer.withoutAuth();

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static DemoSite demo;
  static final List<Kilowatch> apps = new ArrayList<>();
  static final List<io.kilowatch.config.StoreConfig> stores = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    var d = DemoOptions.defaults();
    demo =
        DemoSite.start(
            new DemoOptions(
                Duration.ofSeconds(1), d.seed(), true, d.faultPeriod(), d.faultLength()));
    var influx = SERVER.newDatabase();
    try (var store = io.kilowatch.store.influx.InfluxStore.open(influx)) {
      store.createDatabase();
    }
    for (Shard shard : List.of(new Shard(0, 2), new Shard(1, 2), Shard.NONE)) {
      Path data = dir.resolve("instance-" + shard.toString().replace('/', '-'));
      Path file = dir.resolve(data.getFileName() + ".yaml");
      Map<String, Object> tree = new Yaml().load(demo.siteYaml());
      tree.put(
          "store",
          YamlMaps.of(
              "kind",
              "influxdb",
              "dataDir",
              data.toString(),
              "influxdb",
              YamlMaps.of("url", influx.url().toString(), "database", influx.database())));
      tree.put("web", YamlMaps.of("bind", "127.0.0.1", "port", 0));
      Files.writeString(file, YamlTree.emit(tree));
      var site =
          ConfigLoader.load(file, DemoYaml.environment(demo))
              .withCollector(new CollectorConfig(shard));
      apps.add(Kilowatch.start(site, 0));
      stores.add(site.store());
    }
  }

  @AfterAll
  static void stop() {
    apps.forEach(Kilowatch::close);
    if (demo != null) {
      demo.close();
    }
  }

  /**
   * A running instance's disk buffer is its own: a second store on its data directory is refused
   * naming it, and a report reads InfluxDB beside it without the buffer.
   */
  @Test
  void anInstancesBufferIsRefusedToASecondStoreAndAReportReadsBesideIt() throws Exception {
    var config = stores.getFirst();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Stores.open(config))
        .isInstanceOf(io.kilowatch.store.StoreException.class)
        .hasMessageContaining("is in use by another kilowatch process")
        .hasMessageContaining(config.dataDir().resolve("buffer").toString());
    try (var reading = Stores.openForReading(config)) {
      var pdus = io.kilowatch.store.SeriesQuery.of("pdu", "power_w");
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  !reading
                      .read(
                          pdus,
                          java.time.Instant.now().minusSeconds(600),
                          java.time.Instant.now().plusSeconds(1))
                      .isEmpty());
    }
  }

  @Test
  void collectorsSplitTheDevicesAndTheDashboardInstanceSeesTheWholeSite() throws Exception {
    JsonNode first =
        ApiPoller.of(apps.get(0)).awaitJson("/api/health", n -> true, Duration.ofSeconds(10));
    JsonNode second =
        ApiPoller.of(apps.get(1)).awaitJson("/api/health", n -> true, Duration.ofSeconds(10));
    JsonNode dashboard =
        ApiPoller.of(apps.get(2)).awaitJson("/api/health", n -> true, Duration.ofSeconds(10));
    int a = first.at("/devices/total").asInt();
    int b = second.at("/devices/total").asInt();
    // 60 demo devices, each polled by exactly one collector; the dashboard polls none.
    assertThat(a + b).isEqualTo(60);
    assertThat(a).isPositive();
    assertThat(b).isPositive();
    assertThat(dashboard.at("/devices/total").asInt()).isZero();
    // Behind InfluxDB every instance reports its disk buffer; nothing waits while the server is up.
    assertThat(first.at("/buffer/droppedSamples").asLong()).isZero();
    assertThat(first.at("/buffer/buffering").isBoolean()).isTrue();

    JsonNode gpus =
        ApiPoller.of(apps.get(2))
            .awaitJson(
                "/api/series?measurement=gpu&field=temp_c",
                n -> n.get("series").size() >= 256,
                Duration.ofSeconds(60));
    assertThat(gpus.get("series").size()).isEqualTo(256);

    // The median step rather than the latest one or the window: two collectors start and flush
    // independently, so the first steps (a meter's first reading has no predecessor) and the newest
    // one (one collector's readings before the other's) may be partial.
    JsonNode o =
        ApiPoller.of(apps.get(2))
            .awaitJson(
                "/api/overview?from=-1m&step=2s",
                n -> pueSteps(n).size() >= 8 && ApiPoller.latest(n, "it_power") != null,
                Duration.ofSeconds(90));
    assertThat(ApiPoller.latest(o, "it_power")).isBetween(50.0, 400.0);
    assertThat(ApiPoller.latest(o, "facility_power"))
        .isGreaterThan(ApiPoller.latest(o, "it_power"));
    var pue = pueSteps(o);
    assertThat(pue.get(pue.size() / 2)).isBetween(1.0, 2.0);
  }

  /** The PUE of every step that has one, sorted. */
  private static List<Double> pueSteps(JsonNode overview) {
    var values = new ArrayList<Double>();
    for (JsonNode s : overview.get("series")) {
      if (s.get("name").asText().equals("pue")) {
        for (JsonNode p : s.get("points")) {
          if (!p.get(1).isNull()) {
            values.add(p.get(1).asDouble());
          }
        }
      }
    }
    values.sort(null);
    return values;
  }
}
