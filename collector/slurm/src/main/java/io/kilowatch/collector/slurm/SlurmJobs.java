package io.kilowatch.collector.slurm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kilowatch.jobs.GpuHold;
import io.kilowatch.jobs.JobOrigin;
import io.kilowatch.jobs.JobRecord;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the jobs list slurmrestd answers on {@code /slurm/<version>/jobs} (and {@code squeue
 * --json} prints: the same document, from the same OpenAPI plugin) into job records. Written
 * against v0.0.38 (Slurm 22.05) and tolerant of the shapes later versions changed; see the README.
 *
 * <p>Only jobs that started are kept (a pending job has no start and no GPUs). A job still running
 * has no end, whatever {@code end_time} says (slurmctld fills it with the time limit's end). Jobs
 * that held no GPU are left out: nothing of theirs is measured.
 */
public final class SlurmJobs {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** States in which a job holds its nodes and has not ended. */
  private static final Set<String> RUNNING =
      Set.of("RUNNING", "SUSPENDED", "CONFIGURING", "RESIZING", "SIGNALING", "STAGE_OUT");

  private final String cluster;
  private final Map<String, String> nodes;

  /**
   * @param cluster kilowatch cluster id the jobs' GPUs are in
   * @param nodes Slurm node name to kilowatch device id where they differ; other nodes are the
   *     device of the same id
   */
  public SlurmJobs(String cluster, Map<String, String> nodes) {
    this.cluster = cluster;
    this.nodes = Map.copyOf(nodes);
  }

  /** The kilowatch device of a Slurm node. */
  public String device(String slurmNode) {
    return nodes.getOrDefault(slurmNode, slurmNode);
  }

  public List<JobRecord> parse(byte[] body) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (IOException e) {
      throw new IOException("not JSON: " + e.getMessage(), e);
    }
    return parse(root);
  }

  public List<JobRecord> parse(JsonNode root) throws IOException {
    if (root == null || !root.isObject()) {
      throw new IOException("expected a JSON object with a jobs list");
    }
    JsonNode errors = root.path("errors");
    if (errors.isArray() && !errors.isEmpty()) {
      throw new IOException("Slurm answered errors: " + errors);
    }
    JsonNode jobs = root.path("jobs");
    if (!jobs.isArray()) {
      throw new IOException("no jobs list in the answer");
    }
    List<JobRecord> out = new ArrayList<>();
    for (JsonNode job : jobs) {
      JobRecord r = record(new JobNode(job));
      if (r != null) {
        out.add(r);
      }
    }
    return out;
  }

  private JobRecord record(JobNode j) throws IOException {
    Long id = j.number("job_id");
    if (id == null) {
      throw new IOException("a job without job_id");
    }
    Set<String> states = j.states();
    Long start = j.number("start_time");
    if (states.contains("PENDING") || start == null || start <= 0) {
      return null;
    }
    boolean running = states.stream().anyMatch(RUNNING::contains);
    Instant from = Instant.ofEpochSecond(start);
    Instant to = null;
    if (!running) {
      Long end = j.number("end_time");
      to = end == null || end < start ? from : Instant.ofEpochSecond(end);
    }
    List<String> hosts = j.hosts();
    List<String> details = j.strings("gres_detail");
    List<GpuHold> holds = new ArrayList<>();
    for (int n = 0; n < details.size() && n < hosts.size(); n++) {
      List<Integer> idx;
      try {
        idx = GresIndexes.gpus(details.get(n));
      } catch (IllegalArgumentException e) {
        throw new IOException("job " + id + ": " + e.getMessage(), e);
      }
      for (int gpu : idx) {
        holds.add(new GpuHold(device(hosts.get(n)), Integer.toString(gpu), from, to));
      }
    }
    if (holds.isEmpty() && !j.askedForGpus()) {
      return null;
    }
    String slurmCluster = j.text("cluster");
    Long arrayJob = j.number("array_job_id");
    Long task = j.number("array_task_id");
    String jobId =
        arrayJob != null && arrayJob > 0 && task != null ? arrayJob + "_" + task : id.toString();
    return new JobRecord(
        "slurm/" + (slurmCluster.isEmpty() ? cluster : slurmCluster) + "/" + jobId,
        JobOrigin.SLURM,
        cluster,
        j.text("name"),
        j.text("user_name"),
        j.text("account"),
        j.text("partition"),
        from,
        to,
        holds);
  }

  /** One job object, read through the shape differences between API versions. */
  private record JobNode(JsonNode node) {
    /**
     * A number: plain in v0.0.38; from v0.0.39 on, {@code {"set": bool, "infinite": bool, "number":
     * n}} where unset or infinite means none.
     */
    Long number(String key) {
      JsonNode v = node.get(key);
      if (v == null || v.isNull()) {
        return null;
      }
      if (v.isObject()) {
        if (!v.path("set").asBoolean(true) || v.path("infinite").asBoolean(false)) {
          return null;
        }
        v = v.get("number");
        if (v == null || v.isNull()) {
          return null;
        }
      }
      return v.canConvertToLong() ? v.asLong() : null;
    }

    String text(String key) {
      JsonNode v = node.get(key);
      return v == null || v.isNull() ? "" : v.asText("");
    }

    List<String> strings(String key) {
      JsonNode v = node.get(key);
      List<String> out = new ArrayList<>();
      if (v != null && v.isArray()) {
        v.forEach(e -> out.add(e.asText("")));
      }
      return out;
    }

    /** {@code job_state}: a string in v0.0.38, a list of flags from v0.0.39 on. */
    Set<String> states() {
      JsonNode v = node.get("job_state");
      if (v == null || v.isNull()) {
        return Set.of();
      }
      if (v.isArray()) {
        java.util.HashSet<String> s = new java.util.HashSet<>();
        v.forEach(e -> s.add(e.asText()));
        return s;
      }
      return Set.of(v.asText());
    }

    /**
     * The job's nodes in allocation order, which is {@code gres_detail}'s order: {@code
     * job_resources.allocated_nodes[].nodename} (v0.0.38), {@code job_resources.nodes.allocation[]
     * .name} (v0.0.40 on), else the {@code nodes} host list expanded.
     */
    List<String> hosts() {
      JsonNode res = node.path("job_resources");
      List<String> out = new ArrayList<>();
      JsonNode allocated = res.path("allocated_nodes");
      if (allocated.isArray()) {
        allocated.forEach(n -> out.add(n.path("nodename").asText("")));
      }
      JsonNode allocation = res.path("nodes").path("allocation");
      if (out.isEmpty() && allocation.isArray()) {
        allocation.forEach(n -> out.add(n.path("name").asText("")));
      }
      if (out.isEmpty() || out.contains("")) {
        return Hostlist.expand(text("nodes"));
      }
      return out;
    }

    /** Whether the job asked for GPUs, for one seen only after it ended (no gres_detail then). */
    boolean askedForGpus() {
      for (String key :
          List.of("tres_per_node", "tres_per_job", "tres_per_task", "tres_alloc_str")) {
        String t = text(key);
        if (t.contains("gpu")) {
          return true;
        }
      }
      return false;
    }
  }
}
