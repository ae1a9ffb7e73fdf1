package io.kilowatch.jobs;

/** The scheduler a job record came from. */
public enum JobOrigin {
  SLURM,
  KUBERNETES,
  /** The demo site's job simulator. */
  SIMULATED
}
