package io.kilowatch.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.jobs.GpuHold;
import io.kilowatch.jobs.JobRecord;
import io.kilowatch.testkit.Peer;
import io.kilowatch.testkit.RequiresPeer;
import io.kilowatch.testkit.SlurmCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running kilowatch with a {@code jobs:} section polls a real Slurm through slurmrestd and
 * squeue, and keeps what it saw in the ledger under its data directory across a restart.
 */
@RequiresPeer(Peer.SLURM)
class SlurmJobsEndToEndTest {
  @TempDir Path dir;

  @Test
  void aSubmittedJobReachesTheLedgerThroughBothSourcesAndSurvivesARestart() throws Exception {
    try (var slurm = SlurmCluster.start("kw-gpu-1", 4)) {
      String yaml =
          """
          site: {name: Hall}
          store: {dataDir: "%s"}
          web: {bind: 127.0.0.1, port: 0}
          clusters:
            - {id: c1, name: C1, racks: []}
          jobs:
            sources:
              - {type: slurm, cluster: c1, url: "%s", user: nobody, token: "${SLURM_JWT}", interval: 500ms, nodes: {kw-gpu-1: c1-n1}}
              - {type: slurm-cli, cluster: c1, slurmConf: "%s", interval: 500ms, nodes: {kw-gpu-1: c1-n1}}
          """
              .formatted(dir.resolve("data"), slurm.restUrl(), slurm.slurmConf());
      SiteConfig site =
          ConfigLoader.parse(
              yaml,
              "site.yaml",
              dir,
              Map.of("SLURM_JWT", slurm.token("nobody", Duration.ofHours(1))));
      Instant before = Instant.now().minusSeconds(1);
      long id;
      try (var app = Kilowatch.start(site, 0)) {
        id = slurm.sbatch("nobody", "--gres=gpu:3", "--account=bio", "--wrap", "sleep 30");
        String jobId = "slurm/" + slurm.clusterName() + "/" + id;
        await("job in the ledger with its three GPUs")
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> app.jobs().overlapping(before, Instant.now().plusSeconds(1)),
                jobs -> jobs.stream().anyMatch(j -> j.id().equals(jobId) && j.gpus().size() == 3));
        assertThat(app.jobSources()).hasSize(2).allSatisfy(s -> assertThat(s.up()).isTrue());
      }
      assertThat(Files.exists(dir.resolve("data/jobs/jobs.ledger"))).isTrue();
      try (var app = Kilowatch.start(site.withJobs(io.kilowatch.config.JobsConfig.NONE), 0)) {
        List<JobRecord> kept = app.jobs().overlapping(before, Instant.now().plusSeconds(1));
        assertThat(kept)
            .singleElement()
            .satisfies(
                j -> {
                  assertThat(j.user()).isEqualTo("nobody");
                  assertThat(j.account()).isEqualTo("bio");
                  assertThat(j.gpus()).extracting(GpuHold::device).containsOnly("c1-n1");
                  assertThat(j.gpus())
                      .extracting(GpuHold::gpu)
                      .containsExactlyInAnyOrder("0", "1", "2");
                });
        assertThat(app.jobSources()).isEmpty();
      }
    }
  }
}
