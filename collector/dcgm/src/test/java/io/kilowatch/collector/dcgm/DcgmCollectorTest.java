package io.kilowatch.collector.dcgm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Location;
import io.kilowatch.config.Source;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.testkit.TestSites;
import io.kilowatch.testkit.http.DcgmExporterFake;
import io.kilowatch.testkit.http.DcgmExporterFake.Reply;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The dcgm collector scraping the test kit's dcgm-exporter fake serving recorded output. */
class DcgmCollectorTest {
  private static final String NODE = "c1-r1-n1";

  /** A node whose scrape never answers, held for longer than any test waits. */
  private static final String STUCK = "stuck";

  private DcgmExporterFake exporter;
  private volatile Reply reply = Reply.metrics("");
  private DcgmCollector collector;

  private final java.util.concurrent.CountDownLatch stuckArrived =
      new java.util.concurrent.CountDownLatch(1);

  @BeforeEach
  void start() throws IOException {
    exporter =
        DcgmExporterFake.start(
            node ->
                switch (node) {
                  case NODE -> reply;
                  case STUCK -> {
                    stuckArrived.countDown();
                    // An exporter that never answers in time: only close() may end the scrape.
                    yield new Reply.Hang(Duration.ofSeconds(20));
                  }
                  default -> new Reply.NotFound();
                });
  }

  @AfterEach
  void stop() {
    if (collector != null) {
      collector.close();
    }
    exporter.close();
  }

  private DcgmCollector collector(Duration timeout) {
    var source = new Source.Dcgm(URI.create(exporter.url(NODE)));
    var device =
        new Device(
            NODE,
            DeviceKind.GPU_NODE,
            new Location("c1", "c1-r1"),
            null,
            source,
            Duration.ofSeconds(10),
            timeout,
            Map.of("pool", "training"));
    collector =
        new DcgmCollector(
            device, source, TestSites.siteWithRack(List.of(), List.of(device)), Clock.systemUTC());
    return collector;
  }

  @Test
  void scrapesOneGpuSampleEachWithIdentityTags() throws Exception {
    reply = Reply.metrics(Fixtures.read(Fixtures.A800_MIG));

    List<Sample> samples = collector(Duration.ofSeconds(2)).poll();

    assertThat(samples).hasSize(8).allSatisfy(s -> assertThat(s.measurement()).isEqualTo("gpu"));
    assertThat(samples).allSatisfy(s -> assertThat(s.quality()).isEqualTo(Quality.GOOD));
    Sample gpu1 =
        samples.stream().filter(s -> "1".equals(s.tags().get("gpu"))).findFirst().orElseThrow();
    assertThat(gpu1.tags())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "site", TestSites.SITE_NAME,
                "device", "c1-r1-n1",
                "cluster", "c1",
                "rack", "c1-r1",
                "pool", "training",
                "gpu", "1",
                "gpu_uuid", "GPU-9e5b8fec-61bf-5124-a0a9-079af1b65cc6",
                "model", "NVIDIA A800-SXM4-80GB"));
    assertThat(gpu1.fields())
        .containsEntry("power_w", 55.942)
        .containsEntry("energy_mj", 187554325.0);
    assertThat(collector.lastSkippedLines()).isEqualTo(10);
  }

  @Test
  void nonFiniteValuesBecomeBadFieldsBesideTheGoodOnes() throws Exception {
    reply =
        Reply.metrics(
            """
        DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-a",modelName="H100"} NaN
        DCGM_FI_DEV_GPU_TEMP{gpu="0",UUID="GPU-a",modelName="H100"} 54
        DCGM_FI_DEV_MEMORY_TEMP{gpu="0",UUID="GPU-a",modelName="H100"} +Inf
        """);

    List<Sample> samples = collector(Duration.ofSeconds(2)).poll();

    assertThat(samples).hasSize(2);
    Sample good =
        samples.stream().filter(s -> s.quality() == Quality.GOOD).findFirst().orElseThrow();
    Sample bad = samples.stream().filter(s -> s.quality() == Quality.BAD).findFirst().orElseThrow();
    assertThat(good.fields()).containsExactlyEntriesOf(Map.of("temp_c", 54.0));
    assertThat(bad.fields()).containsOnlyKeys("power_w", "mem_temp_c");
    assertThat(bad.tags()).isEqualTo(good.tags());
  }

  @Test
  void anErrorStatusFailsThePoll() {
    reply = new Reply.Status(503, "text/plain", "exporter starting");

    assertThatThrownBy(() -> collector(Duration.ofSeconds(2)).poll())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("503");
  }

  @Test
  void aPageWithoutDcgmSeriesFailsThePoll() {
    reply = Reply.metrics("<html><body>Not the exporter</body></html>\n");

    assertThatThrownBy(() -> collector(Duration.ofSeconds(2)).poll())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("no DCGM series");
  }

  @Test
  void aSlowExporterTimesOut() {
    // The exporter answers late on purpose, to exercise the scrape timeout.
    reply = new Reply.Late(Duration.ofSeconds(3), Reply.metrics(Fixtures.read(Fixtures.DATADOG)));
    var c = collector(Duration.ofMillis(300));

    long start = System.nanoTime();
    assertThatThrownBy(c::poll).isInstanceOf(HttpTimeoutException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void closingOneCollectorAbortsItsScrapeButNotOthersOnTheSharedClient() throws Exception {
    reply = Reply.metrics(Fixtures.read(Fixtures.DATADOG));
    var healthy = collector(Duration.ofSeconds(5));
    var stuckSource = new Source.Dcgm(URI.create(exporter.url(STUCK)));
    var stuckDevice =
        new Device(
            "c1-r1-n2",
            DeviceKind.GPU_NODE,
            new Location("c1", "c1-r1"),
            null,
            stuckSource,
            Duration.ofSeconds(10),
            Duration.ofSeconds(30),
            Map.of());
    var stuck =
        new DcgmCollector(
            stuckDevice,
            stuckSource,
            TestSites.siteWithRack(List.of(), List.of(stuckDevice)),
            Clock.systemUTC());
    var outcome = new java.util.concurrent.CompletableFuture<Throwable>();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                stuck.poll();
                outcome.complete(null);
              } catch (Throwable t) {
                outcome.complete(t);
              }
            });
    assertThat(stuckArrived.await(5, java.util.concurrent.TimeUnit.SECONDS))
        .as("the stuck scrape reached the exporter")
        .isTrue();

    long start = System.nanoTime();
    stuck.close();
    Throwable thrown = outcome.get(5, java.util.concurrent.TimeUnit.SECONDS);

    assertThat(thrown).isNotNull();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(healthy.poll()).isNotEmpty();
  }
}
