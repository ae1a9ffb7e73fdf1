package io.kilowatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StoreAndShardConfigTest {
  private static SiteConfig parse(String yaml, Map<String, String> env) {
    try {
      return ConfigLoader.parse(yaml, "site.yaml", Path.of("/srv/kw"), env);
    } catch (ConfigException e) {
      // Rethrown unchecked with every problem in the message, so assertions can read them.
      throw new IllegalStateException(
          String.join("\n", e.problems().stream().map(Object::toString).toList()), e);
    }
  }

  @Test
  void influxStoreBufferAndShardAreBound() {
    var site =
        parse(
            """
            site: {name: Hall}
            store:
              kind: influxdb
              influxdb:
                url: http://influx:8086
                database: kilowatch
                retentionPolicy: one_year
                token: ${INFLUX_TOKEN}
              buffer: {maxBytes: 2GiB}
            collector: {shard: 1/3}
            """,
            Map.of("INFLUX_TOKEN", "s3cret"));

    assertThat(site.store().kind()).isEqualTo(StoreConfig.StoreKind.INFLUXDB);
    assertThat(site.store().influxdb())
        .isEqualTo(
            new InfluxConfig(
                URI.create("http://influx:8086"), "kilowatch", "one_year", null, null, "s3cret"));
    assertThat(site.store().influxdb().toString()).doesNotContain("s3cret");
    assertThat(site.store().buffer().maxBytes()).isEqualTo(2L << 30);
    assertThat(site.collector().shard()).isEqualTo(new Shard(1, 3));
  }

  @Test
  void defaultsPollEverythingWithAOneGibibyteBuffer() {
    var site = parse("site: {name: Hall}\n", Map.of());

    assertThat(site.collector()).isEqualTo(CollectorConfig.DEFAULT);
    assertThat(site.store().buffer()).isEqualTo(BufferConfig.DEFAULT);
    assertThat(site.store().influxdb()).isNull();
    assertThat(site.store().memoryLimitBytes()).isEqualTo(1L << 30);
  }

  @Test
  void theBackoffCapIsConfigurableAndDefaultsToFiveMinutes() {
    assertThat(parse("site: {name: Hall}\n", Map.of()).collector().maxBackoff())
        .isEqualTo(java.time.Duration.ofMinutes(5));
    var site = parse("site: {name: Hall}\ncollector: {shard: 0/2, maxBackoff: 30s}\n", Map.of());
    assertThat(site.collector())
        .isEqualTo(new CollectorConfig(new Shard(0, 2), java.time.Duration.ofSeconds(30)));
    // A shard given on the command line keeps the file's cap.
    assertThat(site.collector().withShard(Shard.NONE).maxBackoff())
        .isEqualTo(java.time.Duration.ofSeconds(30));
  }

  @Test
  void aBackoffCapThatIsNotAPositiveDurationUpToAnHourIsAnError() {
    assertThatThrownBy(() -> parse("site: {name: Hall}\ncollector:\n  maxBackoff: 2h\n", Map.of()))
        .hasMessageContaining("site.yaml:3: collector.maxBackoff: must be at most 1h, got 2h");
    assertThatThrownBy(() -> parse("site: {name: Hall}\ncollector:\n  maxBackoff: 0s\n", Map.of()))
        .hasMessageContaining("site.yaml:3: collector.maxBackoff: must be positive");
    assertThatThrownBy(() -> parse("site: {name: Hall}\ncollector:\n  maxBackof: 1m\n", Map.of()))
        .hasMessageContaining("maxBackof");
  }

  @Test
  void thePollGridDefaultsToOneSecondAndZeroSwitchesItOff() {
    assertThat(parse("site: {name: Hall}\n", Map.of()).collector().pollTick())
        .isEqualTo(java.time.Duration.ofSeconds(1));
    assertThat(
            parse("site: {name: Hall}\ncollector: {pollTick: 250ms}\n", Map.of())
                .collector()
                .pollTick())
        .isEqualTo(java.time.Duration.ofMillis(250));
    assertThat(
            parse("site: {name: Hall}\ncollector: {pollTick: 0}\n", Map.of())
                .collector()
                .pollTick())
        .isZero();
    assertThat(
            parse("site: {name: Hall}\ncollector: {pollTick: 0ms}\n", Map.of())
                .collector()
                .pollTick())
        .isZero();
    // A shard given on the command line keeps the file's grid.
    assertThat(
            parse("site: {name: Hall}\ncollector: {pollTick: 5s}\n", Map.of())
                .collector()
                .withShard(new Shard(1, 2))
                .pollTick())
        .isEqualTo(java.time.Duration.ofSeconds(5));
  }

  @Test
  void aPollGridBeyondAMinuteOrNegativeIsAnError() {
    assertThatThrownBy(() -> parse("site: {name: Hall}\ncollector:\n  pollTick: 2m\n", Map.of()))
        .hasMessageContaining("site.yaml:3: collector.pollTick: must be at most 1m, got 2m");
    assertThatThrownBy(() -> parse("site: {name: Hall}\ncollector:\n  pollTick: -1s\n", Map.of()))
        .hasMessageContaining("site.yaml:3: collector.pollTick: must be zero or more, got -1s");
    // Two mistakes in one mapping: both are reported.
    assertThatThrownBy(
            () ->
                parse(
                    "site: {name: Hall}\ncollector:\n  maxBackoff: 2h\n  pollTick: 5m\n", Map.of()))
        .hasMessageContaining("site.yaml:3: collector.maxBackoff: must be at most 1h, got 2h")
        .hasMessageContaining("site.yaml:4: collector.pollTick: must be at most 1m, got 5m");
    // A field that must be positive still says so of a negative value.
    assertThatThrownBy(() -> parse("site: {name: Hall}\ncollector:\n  maxBackoff: -1m\n", Map.of()))
        .hasMessageContaining("site.yaml:3: collector.maxBackoff: must be positive, got -1m");
    assertThatThrownBy(() -> parse("site: {name: Hall}\ncollector:\n  pollTick: soon\n", Map.of()))
        .hasMessageContaining("site.yaml:3: collector.pollTick: expected a duration");
    assertThatThrownBy(
            () ->
                new CollectorConfig(
                    Shard.ALL, java.time.Duration.ofMinutes(5), java.time.Duration.ofMillis(-1)))
        .hasMessageContaining("pollTick must be whole milliseconds from 0 to 1m");
  }

  @Test
  void theEmbeddedEnginesMemoryIsBoundedAndTooSmallALimitIsAnError() {
    assertThat(parse("site: {name: Hall}\nstore: {memoryLimit: 512MiB}\n", Map.of()))
        .extracting(s -> s.store().memoryLimitBytes())
        .isEqualTo(512L << 20);
    assertThatThrownBy(() -> parse("site: {name: Hall}\nstore:\n  memoryLimit: 1MB\n", Map.of()))
        .hasMessageContaining("site.yaml:3: store.memoryLimit: must be at least 64MiB, got 1MB");
  }

  @Test
  void mistakesAreReportedWithTheirLines() {
    assertThatThrownBy(
            () ->
                parse(
                    """
                    site: {name: Hall}
                    store:
                      kind: influxdb
                      influxdb:
                        url: ftp://influx
                        username: kw
                        password: hunter2
                      buffer: {maxBytes: lots}
                    collector: {shard: 3/3}
                    """,
                    Map.of()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("site.yaml:5: store.influxdb.database: is required")
        .hasMessageContaining("site.yaml:5: store.influxdb.url: expected a URL")
        .hasMessageContaining("site.yaml:7: store.influxdb.password: write the password as ${")
        .hasMessageContaining("site.yaml:8: store.buffer.maxBytes: expected a size")
        .hasMessageContaining("site.yaml:9: collector.shard: shard must be i/n")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
  }

  @Test
  void influxKindWithoutServerIsAnError() {
    assertThatThrownBy(() -> parse("site: {name: Hall}\nstore: {kind: influxdb}\n", Map.of()))
        .hasMessageContaining("store.influxdb: is required");
  }

  @Test
  void sizesUseDecimalAndBinaryUnits() {
    assertThat(ByteSizes.parse("1048576")).isEqualTo(1_048_576);
    assertThat(ByteSizes.parse("500MB")).isEqualTo(500_000_000);
    assertThat(ByteSizes.parse("64 KiB")).isEqualTo(65_536);
  }

  @Test
  void shardsParseAndEveryDeviceHasExactlyOneOwner() {
    assertThat(Shard.parse(" 2/5 ")).isEqualTo(new Shard(2, 5));
    assertThat(Shard.parse("none")).isEqualTo(Shard.NONE);
    assertThat(Shard.NONE.owns("dev-1")).isFalse();
    assertThatThrownBy(() -> Shard.parse("1/0")).hasMessageContaining("shard must be i/n");
    assertThatThrownBy(() -> Shard.parse("1-3")).hasMessageContaining("expected i/n");
    for (int d = 0; d < 200; d++) {
      String id = "dev-" + d;
      int owners = 0;
      for (int i = 0; i < 4; i++) {
        owners += new Shard(i, 4).owns(id) ? 1 : 0;
      }
      assertThat(owners).as(id).isEqualTo(1);
    }
  }
}
