package io.kilowatch.collector.slurm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kilowatch.jobs.JobOrigin;
import io.kilowatch.jobs.JobRecord;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads {@code sacct --json} (Slurm 22.05's {@code openapi/dbv0.0.38}, the accounting database
 * through slurmdbd) into job records. Its jobs differ from squeue's: {@code state.current}, {@code
 * time.start}/{@code time.end} (0 while running), {@code user}, {@code array.job_id}/{@code
 * array.task_id}, and GPUs only as a count ({@code tres.allocated} entry {@code type: gres, name:
 * gpu}), never which GPUs: accounting stores TRES counts, not GRES indexes.
 *
 * <p>So only ended jobs are returned, each without GPU holds: a running job is the business of
 * squeue or slurmrestd, which name its GPUs, and a record without them would replace theirs in the
 * ledger. An ended job comes back with the GPUs the job poller recorded while it ran (the ledger's;
 * see {@code JobPoller}); one that started and ended between two polls of those is recorded without
 * GPUs, its count kept in {@link AccountedJob#gpus()} only.
 */
public final class SlurmAccounting {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** sacct's "Nothing found with query": an empty answer, not a failure. */
  private static final int NOTHING_FOUND = 9003;

  /** States in which a job has not ended (as {@link SlurmJobs}, plus not yet started). */
  private static final Set<String> NOT_ENDED =
      Set.of(
          "PENDING",
          "RUNNING",
          "SUSPENDED",
          "CONFIGURING",
          "RESIZING",
          "SIGNALING",
          "STAGE_OUT",
          "REQUEUED");

  /** An ended job and the number of GPUs accounting says it held. */
  public record AccountedJob(JobRecord job, int gpus) {}

  private final String cluster;

  /**
   * @param cluster kilowatch cluster id the jobs' GPUs are in
   */
  public SlurmAccounting(String cluster) {
    this.cluster = cluster;
  }

  public List<AccountedJob> parse(byte[] body) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (IOException e) {
      throw new IOException("not JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IOException("expected a JSON object with a jobs list");
    }
    for (JsonNode error : root.path("errors")) {
      if (error.path("error_number").asInt() != NOTHING_FOUND) {
        throw new IOException("sacct answered errors: " + root.path("errors"));
      }
    }
    JsonNode jobs = root.path("jobs");
    if (!jobs.isArray()) {
      throw new IOException("no jobs list in the answer");
    }
    List<AccountedJob> out = new ArrayList<>();
    for (JsonNode job : jobs) {
      AccountedJob a = accounted(job);
      if (a != null) {
        out.add(a);
      }
    }
    return out;
  }

  private AccountedJob accounted(JsonNode j) throws IOException {
    JsonNode idNode = j.get("job_id");
    if (idNode == null || !idNode.canConvertToLong()) {
      throw new IOException("a job without job_id");
    }
    long id = idNode.asLong();
    String state = j.path("state").path("current").asText("");
    long start = j.path("time").path("start").asLong(0);
    long end = j.path("time").path("end").asLong(0);
    int gpus = gpuCount(j.path("tres").path("allocated"));
    if (NOT_ENDED.contains(state) || start <= 0 || gpus == 0) {
      return null;
    }
    Instant from = Instant.ofEpochSecond(start);
    Instant to = end < start ? from : Instant.ofEpochSecond(end);
    long arrayJob = j.path("array").path("job_id").asLong(0);
    JsonNode task = j.path("array").path("task_id");
    String jobId =
        arrayJob > 0 && task.canConvertToLong() ? arrayJob + "_" + task.asLong() : "" + id;
    String slurmCluster = text(j, "cluster");
    var record =
        new JobRecord(
            "slurm/" + (slurmCluster.isEmpty() ? cluster : slurmCluster) + "/" + jobId,
            JobOrigin.SLURM,
            cluster,
            text(j, "name"),
            text(j, "user"),
            text(j, "account"),
            text(j, "partition"),
            from,
            to,
            List.of());
    return new AccountedJob(record, gpus);
  }

  /** The {@code gres/gpu} count of a TRES list (typed GPUs, {@code gres/gpu:a100}, summed in). */
  private static int gpuCount(JsonNode tres) {
    int plain = 0;
    int typed = 0;
    for (JsonNode t : tres) {
      String name = t.path("name").asText("");
      if (!"gres".equals(t.path("type").asText()) || !name.startsWith("gpu")) {
        continue;
      }
      // Slurm counts gres/gpu as the total and gres/gpu:<type> again per type.
      if (name.equals("gpu")) {
        plain += t.path("count").asInt(0);
      } else {
        typed += t.path("count").asInt(0);
      }
    }
    return plain > 0 ? plain : typed;
  }

  private static String text(JsonNode j, String key) {
    JsonNode v = j.get(key);
    return v == null || v.isNull() ? "" : v.asText("");
  }
}
