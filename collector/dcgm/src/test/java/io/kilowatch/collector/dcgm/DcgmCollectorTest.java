package io.kilowatch.collector.dcgm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Location;
import io.kilowatch.config.Source;
import io.kilowatch.store.Quality;
import io.kilowatch.store.Sample;
import io.kilowatch.testkit.TestSites;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The dcgm collector scraping a JDK HTTP server that serves recorded exporter output. */
class DcgmCollectorTest {
  private HttpServer server;
  private volatile int status = 200;
  private volatile String body = "";
  private volatile Duration delay = Duration.ZERO;
  private DcgmCollector collector;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext(
        "/metrics",
        exchange -> {
          try {
            // The fake exporter answers late on purpose, to exercise the scrape timeout.
            Thread.sleep(delay);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
          exchange.sendResponseHeaders(status, bytes.length);
          exchange.getResponseBody().write(bytes);
          exchange.close();
        });
    server.start();
  }

  @AfterEach
  void stop() {
    if (collector != null) {
      collector.close();
    }
    server.stop(0);
  }

  private DcgmCollector collector(Duration timeout) {
    var source =
        new Source.Dcgm(
            URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/metrics"));
    var device =
        new Device(
            "c1-r1-n1",
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
    body = Fixtures.read(Fixtures.A800_MIG);

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
    body =
        """
        DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-a",modelName="H100"} NaN
        DCGM_FI_DEV_GPU_TEMP{gpu="0",UUID="GPU-a",modelName="H100"} 54
        DCGM_FI_DEV_MEMORY_TEMP{gpu="0",UUID="GPU-a",modelName="H100"} +Inf
        """;

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
    status = 503;
    body = "exporter starting";

    assertThatThrownBy(() -> collector(Duration.ofSeconds(2)).poll())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("503");
  }

  @Test
  void aPageWithoutDcgmSeriesFailsThePoll() {
    body = "<html><body>Not the exporter</body></html>\n";

    assertThatThrownBy(() -> collector(Duration.ofSeconds(2)).poll())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("no DCGM series");
  }

  @Test
  void aSlowExporterTimesOut() {
    body = Fixtures.read(Fixtures.DATADOG);
    delay = Duration.ofSeconds(3);
    var c = collector(Duration.ofMillis(300));

    long start = System.nanoTime();
    assertThatThrownBy(c::poll).isInstanceOf(HttpTimeoutException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void closingOneCollectorAbortsItsScrapeButNotOthersOnTheSharedClient() throws Exception {
    body = Fixtures.read(Fixtures.DATADOG);
    var inFlight = new java.util.concurrent.CountDownLatch(1);
    server.createContext(
        "/stuck",
        exchange -> {
          inFlight.countDown();
          try {
            // An exporter that never answers in time, on purpose: only close() may end the scrape.
            Thread.sleep(Duration.ofSeconds(20));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          exchange.close();
        });
    var healthy = collector(Duration.ofSeconds(5));
    var stuckSource =
        new Source.Dcgm(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/stuck"));
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
    assertThat(inFlight.await(5, java.util.concurrent.TimeUnit.SECONDS))
        .as("the stuck scrape is in flight")
        .isTrue();

    long start = System.nanoTime();
    stuck.close();
    Throwable thrown = outcome.get(5, java.util.concurrent.TimeUnit.SECONDS);

    assertThat(thrown).isNotNull();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(healthy.poll()).isNotEmpty();
  }
}
