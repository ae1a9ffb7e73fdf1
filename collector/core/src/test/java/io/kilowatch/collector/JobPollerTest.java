package io.kilowatch.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kilowatch.jobs.FileJobLedger;
import io.kilowatch.jobs.GpuHold;
import io.kilowatch.jobs.JobOrigin;
import io.kilowatch.jobs.JobRecord;
import io.kilowatch.time.Sleeper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobPollerTest {
  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
  private static final Instant T1 = T0.plusSeconds(600);

  @TempDir Path dir;

  private static JobRecord job(String id, Instant end, List<GpuHold> gpus) {
    return new JobRecord(id, JobOrigin.SLURM, "c1", "n", "u", "a", "p", T0, end, gpus);
  }

  private static final List<GpuHold> HELD =
      List.of(new GpuHold("n1", "0", T0, null), new GpuHold("n1", "3", T0, null));

  /** Answers a scripted list per poll (the last one again once the script runs out). */
  static final class Scripted implements JobSource {
    final Deque<Object> answers = new ArrayDeque<>();
    final String name;
    volatile int polls;

    Scripted(String name, Object... answers) {
      this.name = name;
      this.answers.addAll(List.of(answers));
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public Duration interval() {
      return Duration.ofMillis(100);
    }

    @Override
    @SuppressWarnings("unchecked")
    public synchronized List<JobRecord> poll() throws IOException {
      polls++;
      Object a = answers.size() > 1 ? answers.poll() : answers.peek();
      if (a instanceof IOException e) {
        throw e;
      }
      return (List<JobRecord>) a;
    }
  }

  @Test
  void anEndedJobThatComesBackWithoutGpusKeepsThemUntilItsEnd() {
    // slurmctld's answer for a completed job has an empty gres_detail.
    var merged = JobPoller.keepGpus(job("j", null, HELD), job("j", T1, List.of()));
    assertThat(merged.gpus())
        .containsExactly(new GpuHold("n1", "0", T0, T1), new GpuHold("n1", "3", T0, T1));
    assertThat(merged.end()).isEqualTo(T1);
  }

  @Test
  void onlyNewOrChangedJobsAreRecorded() throws Exception {
    var running = job("j", null, HELD);
    var ended = job("j", T1, List.of());
    var source =
        new Scripted("s", List.of(running), List.of(running), List.of(running), List.of(ended));
    try (var ledger = FileJobLedger.open(dir);
        var poller =
            new JobPoller(List.of(source), ledger, Duration.ofSeconds(1), Clock.systemUTC())) {
      poller.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> source.polls >= 6);
      // One line when first seen, one when it ended; the unchanged polls between add none.
      assertThat(Files.readAllLines(ledger.file())).hasSize(2);
      assertThat(ledger.overlapping(T0, T1))
          .singleElement()
          .satisfies(
              j -> {
                assertThat(j.end()).isEqualTo(T1);
                assertThat(j.gpus()).extracting(GpuHold::to).containsOnly(T1);
              });
    }
  }

  @Test
  void afterARestartTheLedgerSuppliesTheGpusOfAJobThatEndedMeanwhile() throws Exception {
    try (var ledger = FileJobLedger.open(dir)) {
      ledger.record(List.of(job("j", null, HELD)));
    }
    var source = new Scripted("s", List.of(job("j", T1, List.of())));
    try (var ledger = FileJobLedger.open(dir);
        var poller =
            new JobPoller(List.of(source), ledger, Duration.ofSeconds(1), Clock.systemUTC())) {
      poller.start();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> ledger.overlapping(T0, T1).getFirst().end() != null);
      assertThat(ledger.overlapping(T0, T1).getFirst().gpus())
          .extracting(GpuHold::to)
          .containsOnly(T1);
    }
  }

  @Test
  void aFailingSourceIsDownAndRetriedWithGrowingWaitsThenUpAgain() throws Exception {
    IOException down = new IOException("connection refused");
    var source = new Scripted("s", down, down, down, List.of(job("j", null, HELD)));
    List<Duration> waits = Collections.synchronizedList(new ArrayList<>());
    Sleeper recording =
        d -> {
          waits.add(d);
          Thread.sleep(5);
        };
    try (var ledger = FileJobLedger.open(dir);
        var poller =
            new JobPoller(
                List.of(source), ledger, Duration.ofMillis(300), Clock.systemUTC(), recording)) {
      poller.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> ledger.size() == 1);
      await().atMost(Duration.ofSeconds(10)).until(() -> poller.status().getFirst().up());
      // interval 100 ms × 2^failures, less up to 10 % jitter, capped at 300 ms; then the interval.
      assertThat(waits.get(0)).isBetween(Duration.ofMillis(180), Duration.ofMillis(200));
      assertThat(waits.get(1)).isBetween(Duration.ofMillis(270), Duration.ofMillis(300));
      assertThat(waits.get(2)).isBetween(Duration.ofMillis(270), Duration.ofMillis(300));
      assertThat(waits.get(3)).isEqualTo(Duration.ofMillis(100));
    }
  }

  @Test
  void aDownSourceIsReportedWithItsError() throws Exception {
    var source = new Scripted("s", new IOException("HTTP 401"));
    try (var ledger = FileJobLedger.open(dir);
        var poller =
            new JobPoller(List.of(source), ledger, Duration.ofSeconds(1), Clock.systemUTC())) {
      poller.start();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> poller.status().getFirst().failures() >= 1);
      var s = poller.status().getFirst();
      assertThat(s.up()).isFalse();
      assertThat(s.lastError()).contains("HTTP 401");
    }
  }

  @Test
  void aSourceStuckInItsPollDoesNotHoldUpAnother() throws Exception {
    var release = new CountDownLatch(1);
    JobSource stuck =
        new JobSource() {
          @Override
          public String name() {
            return "stuck";
          }

          @Override
          public Duration interval() {
            return Duration.ofMillis(100);
          }

          @Override
          public List<JobRecord> poll() throws InterruptedException {
            release.await();
            return List.of();
          }
        };
    var other = new Scripted("other", List.of(job("k", null, HELD)));
    try (var ledger = FileJobLedger.open(dir);
        var poller =
            new JobPoller(
                List.of(stuck, other), ledger, Duration.ofSeconds(1), Clock.systemUTC())) {
      poller.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> ledger.size() == 1);
      assertThat(poller.status().getFirst().up()).isFalse();
    } finally {
      release.countDown();
    }
  }

  @Test
  void changesComparesWithWhatWasRecorded() {
    var recorded = new HashMap<String, JobRecord>();
    var a = job("a", null, HELD);
    assertThat(JobPoller.changes(recorded, List.of(a))).containsExactly(a);
    assertThat(JobPoller.changes(recorded, List.of(a))).isEmpty();
  }
}
