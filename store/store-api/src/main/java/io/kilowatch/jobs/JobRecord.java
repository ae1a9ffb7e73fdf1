package io.kilowatch.jobs;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One scheduler job as kilowatch keeps it: who ran it, in which kilowatch cluster, on which GPUs,
 * and when. The unit of attribution: a job's energy is the energy of the GPUs it held, over the
 * intervals it held them.
 *
 * @param id unique across sources and clusters: {@code slurm/<slurm cluster>/<job id>} (an array
 *     task {@code <array job id>_<task id>}), {@code k8s/<namespace>/<pod>}
 * @param origin which scheduler it came from
 * @param cluster the kilowatch cluster id its GPUs are in
 * @param name the job's name as the scheduler gives it (may be empty)
 * @param user the submitting user
 * @param account the account or project it is charged to (Slurm account, Kubernetes namespace)
 * @param partition the Slurm partition, or the pod owner kind and name for Kubernetes; may be empty
 * @param start when it started running (not when it was submitted)
 * @param end when it ended; {@code null} while it still runs
 * @param gpus the GPUs it held; each with its own interval, within [start, end]
 */
public record JobRecord(
    String id,
    JobOrigin origin,
    String cluster,
    String name,
    String user,
    String account,
    String partition,
    Instant start,
    Instant end,
    List<GpuHold> gpus) {

  public JobRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(start, "start");
    name = name == null ? "" : name;
    user = user == null ? "" : user;
    account = account == null ? "" : account;
    partition = partition == null ? "" : partition;
    if (end != null && end.isBefore(start)) {
      throw new IllegalArgumentException(
          "job " + id + " ends (" + end + ") before it starts (" + start + ")");
    }
    gpus = List.copyOf(gpus);
  }

  /** Whether it still runs (no end yet). */
  public boolean running() {
    return end == null;
  }

  /** Whether it ran at any instant of [from, to). */
  public boolean overlaps(Instant from, Instant to) {
    return start.isBefore(to) && (end == null || end.isAfter(from));
  }
}
