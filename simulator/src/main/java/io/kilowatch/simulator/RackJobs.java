package io.kilowatch.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Training jobs on one rack's nodes. A job takes 1 to 4 free nodes, ramps up while it loads data,
 * runs at a plateau of 85–98 % with short checkpoint dips, and ends; its nodes then idle for a few
 * minutes before the next job. Roughly 80 % of node time is busy.
 */
final class RackJobs {
  private final RandomGenerator rng;
  private final Job[] jobs;
  private final double[] idleUntil;

  /** One job as seen by every node it runs on. */
  record Job(
      double start,
      double end,
      double rampS,
      double plateau,
      double intensity,
      double checkpointEveryS,
      double checkpointLengthS) {

    /** Fraction of the GPU busy at simulated second {@code t}. */
    double util(double t) {
      double in = t - start;
      if (in < rampS) {
        return plateau * Math.max(0, in) / rampS;
      }
      if ((in - rampS) % checkpointEveryS < checkpointLengthS) {
        return 0.12;
      }
      return plateau;
    }
  }

  RackJobs(int nodes, RandomGenerator rng) {
    this.rng = rng;
    this.jobs = new Job[nodes];
    this.idleUntil = new double[nodes];
    // A hall that has been running for a while: most nodes are mid-job, the rest idle briefly.
    for (int i = 0; i < nodes; i++) {
      idleUntil[i] = rng.nextDouble() < 0.85 ? 0 : rng.nextDouble(30, 240);
    }
    startJobs(-rng.nextDouble(120, 1200), 0);
  }

  void step(double t) {
    for (int i = 0; i < jobs.length; i++) {
      if (jobs[i] != null && t >= jobs[i].end()) {
        jobs[i] = null;
        idleUntil[i] = t + rng.nextDouble(120, 720);
      }
    }
    startJobs(t, t);
  }

  private void startJobs(double start, double now) {
    List<Integer> ready = new ArrayList<>();
    for (int i = 0; i < jobs.length; i++) {
      if (jobs[i] == null && idleUntil[i] <= now) {
        ready.add(i);
      }
    }
    while (!ready.isEmpty()) {
      int width = Math.min(ready.size(), 1 + rng.nextInt(4));
      Job job =
          new Job(
              start,
              Math.max(now + 60, start + rng.nextDouble(600, 2700)),
              rng.nextDouble(30, 90),
              rng.nextDouble(0.85, 0.98),
              rng.nextDouble(0.93, 1.07),
              rng.nextDouble(360, 900),
              rng.nextDouble(15, 35));
      for (int k = 0; k < width; k++) {
        jobs[ready.removeFirst()] = job;
      }
    }
  }

  /** Target GPU utilisation (0–1) of node {@code i}; 0 when idle. */
  double util(int i, double t) {
    return jobs[i] == null ? 0 : jobs[i].util(t);
  }

  /** How hard the running job pushes power per unit of utilisation (1 = nominal). */
  double intensity(int i) {
    return jobs[i] == null ? 1 : jobs[i].intensity();
  }
}
