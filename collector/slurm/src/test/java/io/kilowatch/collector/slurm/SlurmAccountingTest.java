package io.kilowatch.collector.slurm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kilowatch.jobs.JobOrigin;
import io.kilowatch.jobs.JobRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class SlurmAccountingTest {
  private static byte[] resource(String name) throws IOException {
    try (InputStream in = SlurmAccountingTest.class.getResourceAsStream("/slurm/" + name)) {
      return in.readAllBytes();
    }
  }

  @Test
  void aRecordedSacctAnswerGivesTheEndedJobWithItsGpuCountAndLeavesRunningOnesOut()
      throws IOException {
    var jobs = new SlurmAccounting("c1").parse(resource("sacct-dbv0.0.38-jobs.json"));

    // Job 1 (sbatch --gres=gpu:2 --account=physics -J two, sleep 4) COMPLETED, time.start
    // 1796549243 and time.end 1796549247, tres.allocated gres/gpu count 2. The array's tasks 2_0
    // and 2_1 are RUNNING (time.end 0): left to squeue/slurmrestd.
    assertThat(jobs)
        .containsExactly(
            new SlurmAccounting.AccountedJob(
                new JobRecord(
                    "slurm/kwproto/1",
                    JobOrigin.SLURM,
                    "c1",
                    "two",
                    "root",
                    "physics",
                    "gpu",
                    Instant.ofEpochSecond(1796549243),
                    Instant.ofEpochSecond(1796549247),
                    List.of()),
                2));
  }

  @Test
  void nothingFoundIsAnEmptyAnswerAndOtherErrorsFailThePoll() throws IOException {
    assertThat(new SlurmAccounting("c1").parse(resource("sacct-dbv0.0.38-nothing-found.json")))
        .isEmpty();
    byte[] denied =
        """
        {"errors": [{"error": "Access denied", "error_number": 1001}], "jobs": []}
        """
            .getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> new SlurmAccounting("c1").parse(denied))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("Access denied");
  }

  @Test
  void anArrayTaskIsNamedByItsArrayJobAndTaskAndTypedGpusAreCounted() throws IOException {
    // A task of array job 7 (task 3, own job id 9), ended, with gres/gpu:a100 only: 3 GPUs.
    byte[] body =
        """
        {"errors": [], "jobs": [{"job_id": 9, "array": {"job_id": 7, "task_id": 3},
          "cluster": "hpc", "name": "a", "user": "u", "account": "x", "partition": "p",
          "state": {"current": "FAILED"}, "time": {"start": 100, "end": 160},
          "tres": {"allocated": [{"type": "gres", "name": "gpu:a100", "count": 3}]}}]}
        """
            .getBytes(StandardCharsets.UTF_8);
    var job = new SlurmAccounting("c1").parse(body).getFirst();
    assertThat(job.job().id()).isEqualTo("slurm/hpc/7_3");
    assertThat(job.gpus()).isEqualTo(3);
    assertThat(job.job().end()).isEqualTo(Instant.ofEpochSecond(160));
  }

  @Property
  void anyBytesParseOrFailWithAnIoException(@ForAll byte[] body) {
    try {
      new SlurmAccounting("c1").parse(body);
    } catch (IOException expected) {
      // Not sacct's JSON: a failed poll, never another exception.
    }
  }
}
