package io.kilowatch.collector.slurm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kilowatch.collector.JobPoller;
import io.kilowatch.config.JobsConfig;
import io.kilowatch.jobs.FileJobLedger;
import io.kilowatch.jobs.GpuHold;
import io.kilowatch.jobs.JobRecord;
import io.kilowatch.testkit.Peer;
import io.kilowatch.testkit.RequiresPeer;
import io.kilowatch.testkit.SlurmCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against a real single-node Slurm with accounting (testkit {@link SlurmCluster} with MariaDB and
 * slurmdbd): a job submitted with {@code sbatch --gres=gpu:2 --account=physics} comes back through
 * {@code sacct --json} with its user, account, GPU count, start and end; its GPU indexes are those
 * a poller recorded from slurmrestd while it ran, read back from the ledger by a second poller that
 * has only the sacct source (as after a restart, or with slurmrestd gone before the job ended).
 */
@RequiresPeer(Peer.SLURM_ACCOUNTING)
class SlurmSacctJobsTest {
  private static final String NODE = "kw-gpu-1";
  private static final String DEVICE = "c1-r1-n1";
  private static final int SLEEP = 6;

  private static SlurmCluster slurm;
  private static Duration startUp;

  @TempDir static Path dir;

  @BeforeAll
  static void startSlurm() {
    Instant t0 = Instant.now();
    slurm = SlurmCluster.startWithAccounting(NODE, 8);
    startUp = Duration.between(t0, Instant.now());
    slurm.addAccount("physics", "root");
  }

  @AfterAll
  static void stopSlurm() {
    if (slurm != null) {
      slurm.close();
    }
  }

  private static JobsConfig.SlurmCli sacctConfig() {
    return new JobsConfig.SlurmCli(
        "c1",
        slurm.slurmConf(),
        JobsConfig.SlurmCommand.SACCT,
        Duration.ofHours(1),
        Duration.ofMillis(500),
        Duration.ofSeconds(10),
        Map.of(NODE, DEVICE));
  }

  @Test
  void aJobComesBackThroughSacctWithItsGpusFromTheLedger() throws Exception {
    System.out.println("MariaDB + slurmdbd + Slurm started in " + startUp.toMillis() + " ms");
    var ledger = FileJobLedger.open(dir.resolve("ledger"));
    var rest =
        new SlurmRestSource(
            new JobsConfig.SlurmRest(
                "c1",
                slurm.restUrl(),
                SlurmCluster.API_VERSION,
                "nobody",
                slurm.token("nobody", Duration.ofHours(1)),
                Duration.ofMillis(250),
                Duration.ofSeconds(5),
                Map.of(NODE, DEVICE)));
    var sacct = new SlurmCliSource(sacctConfig());
    // Nothing submitted yet: sacct's "Nothing found" (error 9003) is an empty answer.
    assertThat(sacct.poll()).isEmpty();
    Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    long id =
        slurm.sbatch(
            "root", "--gres=gpu:2", "--account=physics", "-J", "two", "--wrap", "sleep " + SLEEP);
    String jobId = "slurm/" + slurm.clusterName() + "/" + id;
    // First poller: slurmrestd only, closed as soon as the ledger has the job running with GPUs.
    Set<String> whileRunning = new TreeSet<>();
    try (var restPoller =
        new JobPoller(List.of(rest), ledger, Duration.ofSeconds(2), Clock.systemUTC())) {
      restPoller.start();
      JobRecord running =
          await("job " + id + " running in the ledger with its GPUs")
              .atMost(Duration.ofSeconds(30))
              .pollInterval(Duration.ofMillis(100))
              .until(
                  () ->
                      ledger.overlapping(before, Instant.now().plusSeconds(60)).stream()
                          .filter(j -> j.id().equals(jobId) && !j.gpus().isEmpty())
                          .findFirst(),
                  j -> j.isPresent())
              .orElseThrow();
      assertThat(running.running()).isTrue();
      running.gpus().forEach(h -> whileRunning.add(h.gpu()));
    }
    // Second poller: sacct only, which leaves the job out while it runs and names no GPU.
    var poller = new JobPoller(List.of(sacct), ledger, Duration.ofSeconds(2), Clock.systemUTC());
    poller.start();
    try {

      JobRecord ended =
          await("job " + id + " ended in sacct")
              .atMost(Duration.ofSeconds(40))
              .pollInterval(Duration.ofMillis(250))
              .until(
                  () -> sacct.poll().stream().filter(j -> j.id().equals(jobId)).findFirst(),
                  j -> j.isPresent())
              .orElseThrow();
      Instant after = Instant.now();
      assertThat(ended.user()).isEqualTo("root");
      assertThat(ended.account()).isEqualTo("physics");
      assertThat(ended.partition()).isEqualTo("gpu");
      assertThat(ended.name()).isEqualTo("two");
      assertThat(ended.start()).isBetween(before, after);
      // Whole-second stamps: the sleep, plus at most a second of rounding and one of launch.
      assertThat(Duration.between(ended.start(), ended.end()).toSeconds())
          .isBetween((long) SLEEP - 1, (long) SLEEP + 2);
      // sacct names no GPU: the source returns none of its own.
      assertThat(ended.gpus()).isEmpty();

      // The GPU count is in sacct's TRES.
      byte[] raw =
          slurm
              .run("sacct", "--json", "--allusers", "-S", "now-3600", "-E", "now")
              .getBytes(StandardCharsets.UTF_8);
      Files.createDirectories(Path.of("target"));
      Files.write(Path.of("target", "sacct-dbv0.0.38-jobs.json"), raw);
      var accounted =
          new SlurmAccounting("c1")
              .parse(raw).stream()
                  .filter(a -> a.job().id().equals(jobId))
                  .findFirst()
                  .orElseThrow();
      assertThat(accounted.gpus()).isEqualTo(2);
      assertThat(accounted.job()).isEqualTo(ended);

      // The ledger has it ended, recorded by the sacct poller, with the two GPUs slurmrestd named
      // while it ran, each held until the end sacct gives.
      JobRecord kept =
          await("ledger has job " + id + " ended")
              .atMost(Duration.ofSeconds(10))
              .until(
                  () ->
                      ledger.overlapping(before, Instant.now().plusSeconds(60)).stream()
                          .filter(j -> j.id().equals(jobId) && !j.running())
                          .findFirst(),
                  j -> j.isPresent())
              .orElseThrow();
      assertThat(kept.end()).isEqualTo(ended.end());
      Set<String> gpus = new TreeSet<>();
      for (GpuHold h : kept.gpus()) {
        assertThat(h.device()).isEqualTo(DEVICE);
        assertThat(h.to()).isEqualTo(ended.end());
        gpus.add(h.gpu());
      }
      assertThat(gpus).hasSize(accounted.gpus()).isEqualTo(whileRunning);
      assertThat(poller.status()).allSatisfy(s -> assertThat(s.up()).as(s.source()).isTrue());
    } finally {
      poller.close();
      ledger.close();
    }
  }
}
