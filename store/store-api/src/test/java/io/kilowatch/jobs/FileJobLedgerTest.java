package io.kilowatch.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileJobLedgerTest {
  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

  @TempDir Path dir;

  private static JobRecord job(String id, Instant start, Instant end, GpuHold... gpus) {
    return new JobRecord(
        id, JobOrigin.SLURM, "c1", "train", "alice", "physics", "gpu", start, end, List.of(gpus));
  }

  private static List<String> ids(List<JobRecord> jobs) {
    return jobs.stream().map(JobRecord::id).toList();
  }

  @Test
  void everyFieldComesBackAfterReopening() throws IOException {
    // Separators of the line format inside values: the escaping must round-trip them.
    var odd =
        new JobRecord(
            "k8s/ns;1/pod,a",
            JobOrigin.KUBERNETES,
            "c\t2",
            "name with %41 and\nnewline",
            "bob",
            "ns;1",
            "Job/train,1",
            T0.plusNanos(123_456_789),
            null,
            List.of(
                new GpuHold("node,1", "0", T0.plusNanos(123_456_789), null),
                new GpuHold("node;1", "7", T0.plusSeconds(5), T0.plusSeconds(9))));
    var ended =
        job(
            "slurm/c1/42_3",
            T0,
            T0.plusSeconds(3600),
            new GpuHold("gpu-node-1", "2", T0, T0.plusSeconds(3600)));
    try (var ledger = FileJobLedger.open(dir)) {
      ledger.record(List.of(odd, ended));
    }
    try (var ledger = FileJobLedger.open(dir)) {
      assertThat(ledger.overlapping(T0, T0.plusSeconds(86_400))).containsExactly(ended, odd);
    }
  }

  @Test
  void aLaterRecordWithTheSameIdReplacesTheEarlierOne() throws IOException {
    var running = job("slurm/c1/7", T0, null, new GpuHold("n1", "0", T0, null));
    var done =
        job("slurm/c1/7", T0, T0.plusSeconds(60), new GpuHold("n1", "0", T0, T0.plusSeconds(60)));
    try (var ledger = FileJobLedger.open(dir)) {
      ledger.record(List.of(running));
      ledger.record(List.of(done));
      assertThat(ledger.overlapping(T0, T0.plusSeconds(3600))).containsExactly(done);
      assertThat(ledger.size()).isEqualTo(1);
    }
    try (var ledger = FileJobLedger.open(dir)) {
      assertThat(ledger.overlapping(T0, T0.plusSeconds(3600))).containsExactly(done);
    }
  }

  @Test
  void overlappingIsHalfOpenAndInStartOrder() throws IOException {
    // Window [10:10, 10:20). endsAtFrom ends exactly at 10:10: it ran at no instant of the window.
    // startsAtTo starts exactly at 10:20: likewise. stillRunning started before and has no end.
    Instant from = T0.plusSeconds(600);
    Instant to = T0.plusSeconds(1200);
    var endsAtFrom = job("a", T0, from);
    var startsAtTo = job("b", to, to.plusSeconds(60));
    var inside = job("c", from.plusSeconds(60), from.plusSeconds(120));
    var across = job("d", T0.plusSeconds(1), to.plusSeconds(1));
    var stillRunning = job("e", T0.plusSeconds(2), null);
    var before = job("f", T0.minusSeconds(60), T0);
    try (var ledger = FileJobLedger.open(dir)) {
      ledger.record(List.of(endsAtFrom, startsAtTo, inside, across, stillRunning, before));
      assertThat(ids(ledger.overlapping(from, to))).containsExactly("d", "e", "c");
      assertThat(ids(ledger.overlapping(from.minusNanos(1), to.plusNanos(1))))
          .containsExactly("a", "d", "e", "c", "b");
    }
  }

  @Test
  void aTornLastLineIsDroppedAndTheFileCutBackToTheLastWholeLine() throws IOException {
    var kept = job("kept", T0, T0.plusSeconds(60));
    try (var ledger = FileJobLedger.open(dir)) {
      ledger.record(List.of(kept));
    }
    Path file = dir.resolve(FileJobLedger.FILE);
    long whole = Files.size(file);
    // What a crash half-way through an append leaves: the first part of a line, no newline.
    String torn = FileJobLedger.encode(job("torn", T0, null));
    Files.writeString(
        file,
        torn.substring(0, torn.length() / 2),
        StandardCharsets.UTF_8,
        StandardOpenOption.APPEND);

    var after = job("after", T0.plusSeconds(1), null);
    try (var ledger = FileJobLedger.open(dir)) {
      assertThat(Files.size(file)).isEqualTo(whole);
      assertThat(ids(ledger.overlapping(T0, T0.plusSeconds(3600)))).containsExactly("kept");
      ledger.record(List.of(after));
    }
    try (var ledger = FileJobLedger.open(dir)) {
      assertThat(ledger.overlapping(T0, T0.plusSeconds(3600))).containsExactly(kept, after);
    }
  }

  @Test
  void aWholeLastLineWithABadChecksumIsTornToo() throws IOException {
    try (var ledger = FileJobLedger.open(dir)) {
      ledger.record(List.of(job("kept", T0, null)));
    }
    Path file = dir.resolve(FileJobLedger.FILE);
    // A line whose bytes reached the disk out of order: newline present, contents not.
    String line = FileJobLedger.encode(job("garbled", T0, null)).replace("alice", "alicX");
    Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    try (var ledger = FileJobLedger.open(dir)) {
      assertThat(ids(ledger.overlapping(T0, T0.plusSeconds(1)))).containsExactly("kept");
    }
  }

  @Test
  void openingDropsReplacedLinesOnceTheyAreAsManyAsLiveOnes() throws IOException {
    // Each job recorded running, then ended: two lines per job, one of them replaced.
    try (var ledger = FileJobLedger.open(dir)) {
      for (int i = 0; i < 20; i++) {
        ledger.record(List.of(job("j" + i, T0.plusSeconds(i), null)));
        ledger.record(List.of(job("j" + i, T0.plusSeconds(i), T0.plusSeconds(i + 10))));
      }
    }
    Path file = dir.resolve(FileJobLedger.FILE);
    assertThat(Files.readAllLines(file)).hasSize(40);
    try (var ledger = FileJobLedger.open(dir)) {
      assertThat(Files.readAllLines(file)).hasSize(20);
      List<JobRecord> all = ledger.overlapping(T0, T0.plusSeconds(3600));
      assertThat(all).hasSize(20).allSatisfy(j -> assertThat(j.end()).isNotNull());
      ledger.record(List.of(job("new", T0, null)));
    }
    try (var ledger = FileJobLedger.open(dir)) {
      assertThat(ledger.size()).isEqualTo(21);
    }
  }

  @Test
  void everyAcknowledgedRecordSurvivesKillNineOfTheWriter() throws Exception {
    // A separate JVM records one job per call and prints its id once record() has returned; it is
    // then killed with SIGKILL mid-stream, often mid-append.
    String java = ProcessHandle.current().info().command().orElse("java");
    Process child =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                LedgerWriterMain.class.getName(),
                dir.toString())
            .redirectErrorStream(true)
            .start();
    List<String> acked = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger count = new AtomicInteger();
    Thread reader =
        Thread.ofVirtual()
            .start(
                () -> {
                  try (var in =
                      new BufferedReader(
                          new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                      if (line.startsWith("ack ")) {
                        acked.add(line.substring(4));
                        count.incrementAndGet();
                      }
                    }
                  } catch (IOException e) {
                    // The pipe closes when the child dies.
                  }
                });
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> count.get() >= 200);
    } finally {
      child.destroyForcibly().waitFor();
      reader.join(Duration.ofSeconds(10));
    }
    try (var ledger = FileJobLedger.open(dir)) {
      List<String> kept =
          ids(ledger.overlapping(Instant.EPOCH, Instant.parse("3000-01-01T00:00:00Z")));
      assertThat(kept).containsAll(acked);
      ledger.record(List.of(job("after-crash", T0, null)));
    }
    try (var ledger = FileJobLedger.open(dir)) {
      assertThat(ledger.size()).isGreaterThanOrEqualTo(acked.size() + 1);
    }
  }
}
