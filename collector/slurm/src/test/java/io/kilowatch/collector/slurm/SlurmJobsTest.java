package io.kilowatch.collector.slurm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kilowatch.jobs.GpuHold;
import io.kilowatch.jobs.JobOrigin;
import io.kilowatch.jobs.JobRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SlurmJobsTest {
  // Both recorded answers: every job started at 1796545705 (2026-12-06T08:28:25Z); job 1 slept 8 s,
  // the array's tasks 5 s (see src/test/resources/slurm/README.md).
  private static final Instant START = Instant.ofEpochSecond(1796545705);

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = SlurmJobsTest.class.getResourceAsStream("/slurm/" + name)) {
      return in.readAllBytes();
    }
  }

  private static JobRecord byId(List<JobRecord> jobs, String id) {
    return jobs.stream().filter(j -> j.id().equals(id)).findFirst().orElseThrow();
  }

  @Test
  void aRecordedV0038AnswerGivesEachRunningJobItsGpusAndNoEnd() throws IOException {
    var jobs =
        new SlurmJobs("c1", Map.of("kw-gpu-1", "c1-r1-n1"))
            .parse(resource("v0.0.38-jobs-running.json"));

    // gres_detail gpu:2(IDX:0-1) for job 1; the array's tasks 0, 1, 2 are job ids 3, 4, 2 with
    // gpu:1(IDX:2), (IDX:3), (IDX:4). end_time holds the time limit's end while running: ignored.
    assertThat(jobs)
        .extracting(JobRecord::id)
        .containsExactly(
            "slurm/kwad7182/1", "slurm/kwad7182/2_0", "slurm/kwad7182/2_1", "slurm/kwad7182/2_2");
    JobRecord two = byId(jobs, "slurm/kwad7182/1");
    assertThat(two)
        .isEqualTo(
            new JobRecord(
                "slurm/kwad7182/1",
                JobOrigin.SLURM,
                "c1",
                "two",
                "root",
                "physics",
                "gpu",
                START,
                null,
                List.of(
                    new GpuHold("c1-r1-n1", "0", START, null),
                    new GpuHold("c1-r1-n1", "1", START, null))));
    assertThat(byId(jobs, "slurm/kwad7182/2_2").gpus())
        .containsExactly(new GpuHold("c1-r1-n1", "4", START, null));
    assertThat(byId(jobs, "slurm/kwad7182/2_0").user()).isEqualTo("nobody");
    assertThat(byId(jobs, "slurm/kwad7182/2_0").account()).isEqualTo("chem");
  }

  @Test
  void aRecordedEndedJobHasItsEndButSlurmNoLongerNamesItsGpus() throws IOException {
    // A node not in the map is the device of the same name.
    var jobs = new SlurmJobs("c1", Map.of()).parse(resource("v0.0.38-jobs-ended.json"));

    assertThat(jobs).hasSize(4).allSatisfy(j -> assertThat(j.gpus()).isEmpty());
    assertThat(byId(jobs, "slurm/kwad7182/1").end()).isEqualTo(START.plusSeconds(8));
    assertThat(byId(jobs, "slurm/kwad7182/2_1").end()).isEqualTo(START.plusSeconds(5));
  }

  @Test
  void newerAnswersWithSetNumberObjectsStateListsAndAllocationListsAreRead() throws IOException {
    var jobs = new SlurmJobs("c9", Map.of()).parse(resource("v0.0.40-jobs.json"));

    // 700 is pending (no start): left out. 701 holds no GPU and asked for none: left out.
    assertThat(jobs).extracting(JobRecord::id).containsExactly("slurm/big/501", "slurm/big/600_7");
    Instant start = Instant.ofEpochSecond(1796590000);
    // Node gn07 got gpu:a100:2(IDX:0,2), gn08 gpu:a100:4(IDX:0-3), in allocation order.
    assertThat(byId(jobs, "slurm/big/501").gpus())
        .containsExactly(
            new GpuHold("gn07", "0", start, null),
            new GpuHold("gn07", "2", start, null),
            new GpuHold("gn08", "0", start, null),
            new GpuHold("gn08", "1", start, null),
            new GpuHold("gn08", "2", start, null),
            new GpuHold("gn08", "3", start, null));
    assertThat(byId(jobs, "slurm/big/501").end()).isNull();
    JobRecord task = byId(jobs, "slurm/big/600_7");
    assertThat(task.end()).isEqualTo(Instant.ofEpochSecond(1796590600));
    assertThat(task.user()).isEqualTo("dave");
    assertThat(task.cluster()).isEqualTo("c9");
  }

  @Test
  void slurmsErrorListIsAFailureNotAnEmptyAnswer() {
    String body =
        "{\"errors\":[{\"error\":\"Unable to query jobs\",\"error_number\":1},{}],\"jobs\":[]}";
    assertThatThrownBy(
            () -> new SlurmJobs("c1", Map.of()).parse(body.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("Unable to query jobs");
    assertThatThrownBy(
            () -> new SlurmJobs("c1", Map.of()).parse("<html>".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IOException.class);
  }
}
