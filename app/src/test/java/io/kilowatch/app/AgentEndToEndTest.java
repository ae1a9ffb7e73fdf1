package io.kilowatch.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kilowatch.agent.AgentOptions;
import io.kilowatch.agent.NodeAgent;
import io.kilowatch.agent.PushTarget;
import io.kilowatch.collector.nvml.GpuMetric;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.store.SeriesPoints;
import io.kilowatch.store.SeriesQuery;
import io.kilowatch.testkit.StubNvml;
import io.kilowatch.testkit.site.SiteBuilder;
import io.kilowatch.testkit.site.YamlMaps;
import io.kilowatch.web.ingest.TokenAuth;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole GPU path on loopback: stub NVML → FFM binding → agent → line protocol over HTTP → real
 * kilowatch (ingest, store writer, embedded store). The central server is stopped for a while and
 * started again on the same port while the agent keeps reading; every reading must arrive once.
 */
class AgentEndToEndTest {
  private static final String TOKEN = "agent-token-e2e";
  private static final int GPUS = 2;

  @TempDir Path dir;

  private SiteConfig site(int port) throws Exception {
    return SiteBuilder.named("Hall")
        .store(YamlMaps.of("dataDir", "central"))
        .web(
            YamlMaps.of(
                "bind",
                "127.0.0.1",
                "port",
                port,
                "tokens",
                List.of(SiteBuilder.token("agents", TokenAuth.sha256Hex(TOKEN), "operator"))))
        .toConfig(dir);
  }

  @Test
  void nothingIsLostWhileTheCentralServerIsDown() throws Exception {
    StubNvml stub = StubNvml.load(StubNvml.CURRENT).reset(GPUS);
    Kilowatch central = Kilowatch.start(site(0), null);
    int port = central.port();
    var options =
        new AgentOptions(
            "c1-r1-n1",
            "c1",
            "c1-r1",
            Map.of("pool", "train"),
            stub.path(),
            Duration.ofMillis(100),
            PushTarget.kilowatch(
                java.net.URI.create("http://127.0.0.1:" + port), TOKEN, Duration.ofSeconds(2)),
            dir.resolve("agent-buffer"),
            64L * 1024 * 1024,
            Duration.ofMillis(300));
    try (var agent = new NodeAgent(options, Clock.systemUTC())) {
      agent.start();
      waitFor("first batches delivered").until(() -> agent.delivered() >= 5);

      central.close();
      long pollsAtStop = agent.polls();
      waitFor("agent keeps reading while central is down")
          .until(() -> agent.polls() >= pollsAtStop + 10);
      assertThat(agent.buffered()).as("batches wait on disk").isGreaterThanOrEqualTo(5);

      central = Kilowatch.start(site(port), null);
      long pollsAtRestart = agent.polls();
      waitFor("agent reads after the restart").until(() -> agent.polls() >= pollsAtRestart + 5);
      agent.stopPolling();
      waitFor("buffer drained").until(() -> agent.buffered() == 0);
      long polls = agent.polls();

      // Acknowledged writes sit in the store writer's queue for up to a second.
      Kilowatch c = central;
      waitFor("all stored")
          .untilAsserted(
              () -> {
                Map<String, Long> counts = countsPerSeries(c);
                assertThat(counts).hasSize(GPUS * GpuMetric.values().length);
                assertThat(counts.values()).containsOnly(polls);
              });
      assertThat(agent.refused()).isZero();
      assertThat(agent.dropped()).isZero();
      SeriesPoints power = read(central, "power_w").getFirst();
      assertThat(power.key().tags())
          .containsEntry("device", "c1-r1-n1")
          .containsEntry("cluster", "c1")
          .containsEntry("rack", "c1-r1")
          .containsEntry("pool", "train")
          .containsEntry("site", "Hall")
          .containsKeys("gpu", "gpu_uuid", "model");
      assertThat(power.points()).extracting(p -> p.time()).isSorted().doesNotHaveDuplicates();
    } finally {
      central.close();
    }
  }

  private static List<SeriesPoints> read(Kilowatch central, String field) {
    return central
        .store()
        .read(
            SeriesQuery.of("gpu", field),
            Instant.now().minus(Duration.ofHours(1)),
            Instant.now().plus(Duration.ofHours(1)));
  }

  private static Map<String, Long> countsPerSeries(Kilowatch central) {
    var out = new java.util.TreeMap<String, Long>();
    for (var sp : read(central, null)) {
      out.put(sp.key().toString(), (long) sp.points().size());
    }
    return out;
  }

  private static ConditionFactory waitFor(String what) {
    return await(what)
        .atMost(Duration.ofSeconds(30))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(50));
  }
}
