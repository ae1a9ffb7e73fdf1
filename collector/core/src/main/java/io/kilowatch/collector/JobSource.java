package io.kilowatch.collector;

import io.kilowatch.jobs.JobRecord;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * Where job records come from (a Slurm controller, a Kubernetes view): each poll answers the jobs
 * the scheduler reports now, running and recently ended. {@link JobPoller} keeps them.
 */
public interface JobSource {
  /** Names the source in logs and status, e.g. {@code slurm c1 http://ctl:6820}. */
  String name();

  /** How often to poll it. */
  Duration interval();

  /**
   * The jobs the scheduler reports now; a job already recorded may come again, changed or not.
   *
   * @throws IOException when the scheduler cannot be reached or answers nonsense: the source is
   *     down until a poll succeeds
   */
  List<JobRecord> poll() throws IOException, InterruptedException;
}
