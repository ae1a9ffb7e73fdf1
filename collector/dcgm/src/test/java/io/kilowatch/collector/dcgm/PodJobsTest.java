package io.kilowatch.collector.dcgm;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.Device;
import io.kilowatch.config.DeviceKind;
import io.kilowatch.config.Location;
import io.kilowatch.config.Source;
import io.kilowatch.jobs.FileJobLedger;
import io.kilowatch.jobs.GpuHold;
import io.kilowatch.jobs.JobOrigin;
import io.kilowatch.jobs.JobRecord;
import io.kilowatch.testkit.TestSites;
import io.kilowatch.testkit.http.DcgmExporterFake;
import io.kilowatch.testkit.http.DcgmExporterFake.Reply;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pods as jobs from dcgm-exporter's pod labels. The recorded DataDog fixture's last line is the
 * only recorded series with them: {@code
 * DCGM_FI_PROF_DRAM_ACTIVE{gpu="0",...,container="ray-worker",
 * namespace="ray-llm",pod="ray-1111111"}}; the other scrapes here are that fixture with the line
 * removed, or with its labels changed as noted.
 */
class PodJobsTest {
  private static final String NODE = "c1-r1-n1";
  private static final Instant T0 = Instant.parse("2026-12-06T09:00:00Z");

  @TempDir Path dir;

  private static final String WITH_POD = Fixtures.read(Fixtures.DATADOG);

  /** The fixture without its one pod-labelled line: the pod has gone. */
  private static final String WITHOUT_POD =
      WITH_POD.lines().filter(l -> !l.contains("pod=\"")).reduce("", (a, b) -> a + b + "\n");

  private static Map<String, Set<PodJobs.GpuPod>> pods(String scrape) {
    return PodJobs.pods(PrometheusTextParser.parse(scrape).series());
  }

  @Test
  void theRecordedLabelsNameThePodOnGpuZero() {
    assertThat(pods(WITH_POD))
        .containsExactly(
            Map.entry("0", Set.of(new PodJobs.GpuPod("ray-llm", "ray-1111111", "ray-worker"))));
    assertThat(pods(WITHOUT_POD)).isEmpty();
  }

  @Test
  void aPodStartsAtTheFirstScrapeShowingItAndEndsAtTheFirstWithout() throws Exception {
    try (var ledger = FileJobLedger.open(dir)) {
      var jobs = new PodJobs(ledger);
      jobs.scraped("c1", NODE, T0, pods(WITHOUT_POD));
      jobs.scraped("c1", NODE, T0.plusSeconds(10), pods(WITH_POD));
      jobs.scraped("c1", NODE, T0.plusSeconds(20), pods(WITH_POD));
      assertThat(ledger.overlapping(T0, T0.plusSeconds(30)))
          .singleElement()
          .satisfies(j -> assertThat(j.running()).isTrue());
      jobs.scraped("c1", NODE, T0.plusSeconds(30), pods(WITHOUT_POD));

      Instant start = T0.plusSeconds(10);
      Instant end = T0.plusSeconds(30);
      assertThat(ledger.overlapping(T0, T0.plusSeconds(60)))
          .containsExactly(
              new JobRecord(
                  "k8s/ray-llm/ray-1111111",
                  JobOrigin.KUBERNETES,
                  "c1",
                  "ray-1111111",
                  "ray-worker",
                  "ray-llm",
                  "",
                  start,
                  end,
                  List.of(new GpuHold(NODE, "0", start, end))));
      // Two lines: when the pod appeared, when it went; the unchanged scrape added none.
      assertThat(java.nio.file.Files.readAllLines(ledger.file())).hasSize(2);
    }
  }

  @Test
  void aPodOnTwoGpusAndAnotherPodAreKeptApart() throws Exception {
    // The recorded line again, and a copy on GPU 1; then a second pod (labels changed) on GPU 2.
    String line = WITH_POD.lines().filter(l -> l.contains("pod=\"")).findFirst().orElseThrow();
    String two = WITH_POD + "\n" + line.replace("gpu=\"0\"", "gpu=\"1\"") + "\n";
    String other =
        line.replace("gpu=\"0\"", "gpu=\"2\"")
            .replace("pod=\"ray-1111111\"", "pod=\"train-7\"")
            .replace("namespace=\"ray-llm\"", "namespace=\"vision\"");
    try (var ledger = FileJobLedger.open(dir)) {
      var jobs = new PodJobs(ledger);
      jobs.scraped("c1", NODE, T0, pods(two));
      jobs.scraped("c1", NODE, T0.plusSeconds(10), pods(two + other + "\n"));
      jobs.scraped("c1", NODE, T0.plusSeconds(20), pods(WITHOUT_POD + other + "\n"));

      var all = ledger.overlapping(T0, T0.plusSeconds(60));
      assertThat(all)
          .extracting(JobRecord::id)
          .containsExactly("k8s/ray-llm/ray-1111111", "k8s/vision/train-7");
      assertThat(all.get(0).gpus())
          .containsExactly(
              new GpuHold(NODE, "0", T0, T0.plusSeconds(20)),
              new GpuHold(NODE, "1", T0, T0.plusSeconds(20)));
      assertThat(all.get(1).gpus())
          .containsExactly(new GpuHold(NODE, "2", T0.plusSeconds(10), null));
      assertThat(all.get(1).account()).isEqualTo("vision");
    }
  }

  @Test
  void afterARestartRunningPodsGoOnOrEndAtTheFirstScrape() throws Exception {
    try (var ledger = FileJobLedger.open(dir)) {
      new PodJobs(ledger).scraped("c1", NODE, T0, pods(WITH_POD));
      new PodJobs(ledger).scraped("c1", "c1-r1-n2", T0, Map.of());
    }
    try (var ledger = FileJobLedger.open(dir)) {
      var jobs = new PodJobs(ledger);
      jobs.scraped("c1", NODE, T0.plusSeconds(60), pods(WITH_POD));
      // Still the first start: the restarted tracker took the pod up rather than starting anew.
      assertThat(ledger.overlapping(T0, T0.plusSeconds(61)).getFirst().start()).isEqualTo(T0);
      jobs.scraped("c1", NODE, T0.plusSeconds(70), pods(WITHOUT_POD));
      assertThat(ledger.overlapping(T0, T0.plusSeconds(71)).getFirst().end())
          .isEqualTo(T0.plusSeconds(70));
    }
  }

  @Test
  void theCollectorTellsTheTrackerWhatEachScrapeShows() throws Exception {
    var reply = new java.util.concurrent.atomic.AtomicReference<>(Reply.metrics(WITH_POD));
    try (var exporter = DcgmExporterFake.start(node -> reply.get());
        var ledger = FileJobLedger.open(dir)) {
      var source = new Source.Dcgm(URI.create(exporter.url(NODE)));
      var device =
          new Device(
              NODE,
              DeviceKind.GPU_NODE,
              new Location("c1", "c1-r1"),
              null,
              source,
              Duration.ofSeconds(10),
              Duration.ofSeconds(2),
              Map.of());
      var time = new io.kilowatch.testkit.ManualTime(T0);
      var clock = time.clock();
      var collector =
          new DcgmCollector(
              device,
              source,
              TestSites.siteWithRack(List.of(), List.of(device)),
              clock,
              new PodJobs(ledger));
      assertThat(collector.poll()).isNotEmpty();
      reply.set(Reply.metrics(WITHOUT_POD));
      time.advance(Duration.ofSeconds(10));
      collector.poll();
      collector.close();
      assertThat(ledger.overlapping(T0, T0.plusSeconds(1)))
          .singleElement()
          .satisfies(
              j -> {
                assertThat(j.id()).isEqualTo("k8s/ray-llm/ray-1111111");
                assertThat(j.end()).isEqualTo(T0.plusSeconds(10));
                assertThat(j.cluster()).isEqualTo("c1");
                assertThat(j.gpus()).extracting(GpuHold::device).containsOnly(NODE);
              });
    }
  }
}
