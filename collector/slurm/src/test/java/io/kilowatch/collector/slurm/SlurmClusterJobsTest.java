package io.kilowatch.collector.slurm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kilowatch.collector.JobPoller;
import io.kilowatch.config.JobsConfig;
import io.kilowatch.jobs.FileJobLedger;
import io.kilowatch.jobs.GpuHold;
import io.kilowatch.jobs.JobOrigin;
import io.kilowatch.jobs.JobRecord;
import io.kilowatch.testkit.Peer;
import io.kilowatch.testkit.RequiresPeer;
import io.kilowatch.testkit.SlurmCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against a real single-node Slurm (testkit {@link SlurmCluster}, 8 GPUs): jobs submitted with
 * sbatch come back through slurmrestd and squeue --json with the user, account, partition, GPUs and
 * times asked for; the poller keeps each job's GPUs after Slurm forgets them at the end.
 */
@RequiresPeer(Peer.SLURM)
class SlurmClusterJobsTest {
  private static final String NODE = "kw-gpu-1";
  private static final String DEVICE = "c1-r1-n1";
  private static final int SLEEP_TWO = 8;
  private static final int SLEEP_ARRAY = 5;

  private static SlurmCluster slurm;
  private static String token;

  @TempDir static Path dir;

  @BeforeAll
  static void startSlurm() {
    slurm = SlurmCluster.start(NODE, 8);
    token = slurm.token("nobody", Duration.ofHours(1));
  }

  @AfterAll
  static void stopSlurm() {
    if (slurm != null) {
      slurm.close();
    }
  }

  private static JobsConfig.SlurmRest restConfig(Duration interval) {
    return new JobsConfig.SlurmRest(
        "c1",
        slurm.restUrl(),
        SlurmCluster.API_VERSION,
        "nobody",
        token,
        interval,
        Duration.ofSeconds(5),
        Map.of(NODE, DEVICE));
  }

  private static JobsConfig.SlurmCli cliConfig() {
    return new JobsConfig.SlurmCli(
        "c1",
        slurm.slurmConf(),
        Duration.ofSeconds(1),
        Duration.ofSeconds(10),
        Map.of(NODE, DEVICE));
  }

  /** Slurm's own account of a job's GPU indexes, from {@code scontrol show job -d}. */
  private static Set<String> scontrolIndexes(String jobId) {
    String text = slurm.run("scontrol", "show", "job", "-d", jobId);
    Matcher m = Pattern.compile("GRES=gpu:\\d+\\(IDX:([0-9,-]+)\\)").matcher(text);
    Set<String> out = new TreeSet<>();
    while (m.find()) {
      for (String part : m.group(1).split(",")) {
        String[] ab = part.split("-");
        int a = Integer.parseInt(ab[0]);
        int b = Integer.parseInt(ab[ab.length - 1]);
        for (int i = a; i <= b; i++) {
          out.add(Integer.toString(i));
        }
      }
    }
    return out;
  }

  private static Set<String> gpus(JobRecord job) {
    Set<String> out = new TreeSet<>();
    for (GpuHold h : job.gpus()) {
      assertThat(h.device()).isEqualTo(DEVICE);
      out.add(h.gpu());
    }
    return out;
  }

  @Test
  void submittedJobsComeBackThroughRestAndCliAndTheLedgerKeepsTheirGpus() throws Exception {
    var ledger = FileJobLedger.open(dir.resolve("ledger"));
    var poller =
        new JobPoller(
            List.of(new SlurmRestSource(restConfig(Duration.ofMillis(250)))),
            ledger,
            Duration.ofSeconds(2),
            Clock.systemUTC());
    poller.start();
    try {
      // Slurm stamps whole seconds, so the earliest start it can report is this second.
      Instant before = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
      long two =
          slurm.sbatch(
              "root",
              "--gres=gpu:2",
              "--account=physics",
              "-J",
              "two",
              "--wrap",
              "sleep " + SLEEP_TWO);
      long array =
          slurm.sbatch(
              "nobody",
              "--gres=gpu:1",
              "--account=chem",
              "-J",
              "arr",
              "--array=0-2",
              "--wrap",
              "sleep " + SLEEP_ARRAY);
      String cluster = slurm.clusterName();
      String twoId = "slurm/" + cluster + "/" + two;
      List<String> taskIds = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        taskIds.add("slurm/" + cluster + "/" + array + "_" + t);
      }
      var rest = new SlurmRestSource(restConfig(Duration.ofSeconds(1)));
      var cli = new SlurmCliSource(cliConfig());

      // 2 + 3×1 GPUs of 8 and 4 of 16 CPUs: all four run at once.
      List<JobRecord> running =
          await("all four jobs running with their GPUs")
              .atMost(Duration.ofSeconds(30))
              .pollInterval(Duration.ofMillis(200))
              .until(
                  rest::poll,
                  jobs ->
                      jobs.stream().filter(j -> j.running() && !j.gpus().isEmpty()).count() == 4);
      Map<String, JobRecord> byId = new java.util.HashMap<>();
      running.forEach(j -> byId.put(j.id(), j));
      assertThat(byId).containsKeys(twoId).containsKeys(taskIds.toArray(String[]::new));

      JobRecord twoJob = byId.get(twoId);
      assertThat(twoJob.origin()).isEqualTo(JobOrigin.SLURM);
      assertThat(twoJob.cluster()).isEqualTo("c1");
      assertThat(twoJob.name()).isEqualTo("two");
      assertThat(twoJob.user()).isEqualTo("root");
      assertThat(twoJob.account()).isEqualTo("physics");
      assertThat(twoJob.partition()).isEqualTo("gpu");
      assertThat(twoJob.start()).isBetween(before, Instant.now());
      assertThat(twoJob.end()).isNull();
      assertThat(gpus(twoJob)).hasSize(2).isEqualTo(scontrolIndexes(Long.toString(two)));
      Set<String> all = new HashSet<>(gpus(twoJob));
      for (int t = 0; t < 3; t++) {
        JobRecord task = byId.get(taskIds.get(t));
        assertThat(task.user()).isEqualTo("nobody");
        assertThat(task.account()).isEqualTo("chem");
        assertThat(task.name()).isEqualTo("arr");
        assertThat(gpus(task)).hasSize(1).isEqualTo(scontrolIndexes(array + "_" + t));
        assertThat(task.gpus()).allSatisfy(h -> assertThat(h.to()).isNull());
        all.addAll(gpus(task));
      }
      // Five GPUs held at once on an 8-GPU node: five different indexes, all of 0..7.
      assertThat(all).hasSize(5).allSatisfy(g -> assertThat(Integer.parseInt(g)).isBetween(0, 7));

      saveSample("slurmrestd-v0.0.38-jobs-running.json");

      // squeue --json prints the same jobs.
      Map<String, JobRecord> fromCli = new java.util.HashMap<>();
      cli.poll().forEach(j -> fromCli.put(j.id(), j));
      for (String id : byId.keySet()) {
        assertThat(fromCli.get(id)).as(id).isEqualTo(byId.get(id));
      }

      // Once ended, Slurm reports each job's end but no longer its GPUs.
      List<JobRecord> ended =
          await("all four jobs ended")
              .atMost(Duration.ofSeconds(40))
              .pollInterval(Duration.ofMillis(250))
              .until(rest::poll, jobs -> jobs.stream().filter(j -> !j.running()).count() >= 4);
      for (JobRecord j : ended) {
        long seconds = Duration.between(j.start(), j.end()).toSeconds();
        int slept = j.id().equals(twoId) ? SLEEP_TWO : SLEEP_ARRAY;
        // Whole-second stamps: the sleep, plus at most a second of rounding and one of launch.
        assertThat(seconds).as(j.id()).isBetween((long) slept - 1, (long) slept + 2);
        assertThat(j.gpus()).as(j.id()).isEmpty();
      }

      saveSample("slurmrestd-v0.0.38-jobs-ended.json");

      // The poller saw them running, so the ledger keeps their GPUs, each held until the end.
      await("ledger has the four ended jobs")
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> ledger.overlapping(before, Instant.now().plusSeconds(60)),
              jobs -> jobs.stream().filter(j -> !j.running()).count() == 4);
      for (JobRecord kept : ledger.overlapping(before, Instant.now().plusSeconds(60))) {
        JobRecord end =
            ended.stream().filter(j -> j.id().equals(kept.id())).findFirst().orElseThrow();
        assertThat(kept.end()).isEqualTo(end.end());
        assertThat(gpus(kept)).isEqualTo(gpus(byId.get(kept.id())));
        assertThat(kept.gpus()).allSatisfy(h -> assertThat(h.to()).isEqualTo(end.end()));
      }
      assertThat(poller.status()).singleElement().satisfies(s -> assertThat(s.up()).isTrue());
    } finally {
      poller.close();
      ledger.close();
    }
  }

  @Test
  void aWrongTokenIsReportedWithSlurmrestdsAnswer() {
    var bad =
        new JobsConfig.SlurmRest(
            "c1",
            slurm.restUrl(),
            SlurmCluster.API_VERSION,
            "nobody",
            "not-a-jwt",
            Duration.ofSeconds(1),
            Duration.ofSeconds(5),
            Map.of());
    var source = new SlurmRestSource(bad);
    org.assertj.core.api.Assertions.assertThatThrownBy(source::poll)
        .isInstanceOf(java.io.IOException.class)
        .hasMessageContaining("HTTP");
  }

  /** Keeps the raw v0.0.38 answer next to the build output, to refresh the recorded sample. */
  private static void saveSample(String name) throws Exception {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(slurm.restUrl() + "/slurm/v0.0.38/jobs"))
            .header("X-SLURM-USER-NAME", "nobody")
            .header("X-SLURM-USER-TOKEN", token)
            .build();
    String body =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .build()
            .send(req, HttpResponse.BodyHandlers.ofString())
            .body();
    Path out = Path.of("target", name);
    Files.createDirectories(out.getParent());
    Files.writeString(out, body);
  }
}
