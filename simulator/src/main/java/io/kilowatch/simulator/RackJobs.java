package io.kilowatch.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Jobs on one rack's GPUs, placed as a scheduler would: a job takes 1 to 8 free GPUs of one node,
 * ramps up while it loads data, runs at a plateau of 85–98 % with checkpoint dips, winds down, and
 * ends after 3 to 20 minutes; its GPUs then idle for one to ten minutes before the next job. Now
 * and then a node whose GPUs are all free finds the queue empty and idles whole for a few minutes
 * more. Roughly three quarters of GPU time is busy.
 *
 * <p>Every job carries who ran it (a few users, each charging one account), so the demo's jobs can
 * be recorded as a scheduler's would be.
 */
final class RackJobs {
  /** The demo's users, each with the account it charges. */
  static final List<String[]> USERS =
      List.of(
          new String[] {"alice", "llm-lab"},
          new String[] {"bob", "llm-lab"},
          new String[] {"carol", "climate"},
          new String[] {"dave", "genomics"},
          new String[] {"erin", "vision"},
          new String[] {"frank", "vision"});

  private static final String[] NAMES = {
    "pretrain", "finetune", "eval", "sweep", "inference", "embed"
  };

  private final String rackId;
  private final RandomGenerator rng;
  private final int gpusPerNode;
  private final Job[][] slots;
  private final double[][] idleUntil;
  private final List<Job> started = new ArrayList<>();
  private final List<Ended> ended = new ArrayList<>();
  private long seq;

  /** Seconds a checkpoint takes to bring a job's GPUs down to its floor, and back up. */
  static final double CHECKPOINT_EDGE_S = 10;

  /** Utilisation of a job's GPUs while it checkpoints or winds down. */
  static final double FLOOR = 0.12;

  /**
   * One job: the node it runs on and the GPUs it holds there, who ran it, and how it loads them.
   * Its load changes gradually: it ramps up, each checkpoint slopes down to the floor over {@link
   * #CHECKPOINT_EDGE_S}, holds there and slopes back, and the job winds down to the floor before it
   * ends. On a 10 s chart step a load change then spans two steps or more: no single-step notch on
   * a healthy site, which is what a missed sample would draw (ContinuousChartsBrowserTest).
   *
   * @param start simulated second it started (before 0 for jobs already running when the demo
   *     starts)
   * @param end simulated second it is planned to end; it ends at the first step at or after it
   */
  record Job(
      String id,
      int node,
      List<Integer> gpus,
      String user,
      String account,
      String name,
      double start,
      double end,
      double rampS,
      double windDownS,
      double plateau,
      double intensity,
      double checkpointEveryS,
      double checkpointLengthS) {

    Job {
      gpus = List.copyOf(gpus);
    }

    /** Fraction of the GPU busy at simulated second {@code t}. */
    double util(double t) {
      double in = t - start;
      if (in < rampS) {
        return plateau * Math.max(0, in) / rampS;
      }
      double c = (in - rampS) % checkpointEveryS;
      double dip =
          c < checkpointLengthS
              ? Math.min(1, Math.min(c, checkpointLengthS - c) / CHECKPOINT_EDGE_S)
              : 0;
      double u = plateau - (plateau - FLOOR) * dip;
      double left = end - t;
      if (left < windDownS) {
        u = Math.min(u, FLOOR + (plateau - FLOOR) * Math.max(0, left) / windDownS);
      }
      return u;
    }
  }

  RackJobs(String rackId, int nodes, int gpusPerNode, RandomGenerator rng) {
    this.rackId = rackId;
    this.rng = rng;
    this.gpusPerNode = gpusPerNode;
    this.slots = new Job[nodes][gpusPerNode];
    this.idleUntil = new double[nodes][gpusPerNode];
    // A hall that has been running for a while: most GPUs are mid-job, the rest idle briefly.
    for (int n = 0; n < nodes; n++) {
      for (int g = 0; g < gpusPerNode; g++) {
        idleUntil[n][g] = rng.nextDouble() < 0.85 ? 0 : rng.nextDouble(30, 240);
      }
      startJobs(n, 0, true);
    }
  }

  void step(double t) {
    for (int n = 0; n < slots.length; n++) {
      for (int g = 0; g < gpusPerNode; g++) {
        Job j = slots[n][g];
        if (j != null && t >= j.end()) {
          slots[n][g] = null;
          idleUntil[n][g] = t + rng.nextDouble(60, 600);
          if (j.gpus().getFirst() == g) {
            ended.add(new Ended(j, t));
          }
        }
      }
      startJobs(n, t, false);
    }
  }

  /**
   * Places jobs on node {@code n}'s GPUs that are free and done idling. At the start ({@code
   * running}) each job has already run for part of its length, so that jobs do not all end together
   * minutes into the demo.
   */
  private void startJobs(int n, double now, boolean running) {
    List<Integer> ready = new ArrayList<>();
    for (int g = 0; g < gpusPerNode; g++) {
      if (slots[n][g] == null && idleUntil[n][g] <= now) {
        ready.add(g);
      }
    }
    if (ready.size() == gpusPerNode && !running && rng.nextDouble() < 0.25) {
      // The whole node is free and the queue has nothing for it: it idles a while longer.
      double until = now + rng.nextDouble(120, 480);
      for (int g = 0; g < gpusPerNode; g++) {
        idleUntil[n][g] = until;
      }
      return;
    }
    while (!ready.isEmpty()) {
      int width = Math.min(ready.size(), 1 + rng.nextInt(gpusPerNode));
      List<Integer> gpus = new ArrayList<>(ready.subList(0, width));
      ready.subList(0, width).clear();
      String[] who = USERS.get(rng.nextInt(USERS.size()));
      double length = rng.nextDouble(180, 1200);
      double start = running ? now - rng.nextDouble(0, length - 60) : now;
      Job job =
          new Job(
              rackId + "." + ++seq,
              n,
              gpus,
              who[0],
              who[1],
              NAMES[rng.nextInt(NAMES.length)] + "-" + (1 + rng.nextInt(99)),
              start,
              start + length,
              rng.nextDouble(30, 90),
              rng.nextDouble(20, 40),
              rng.nextDouble(0.85, 0.98),
              rng.nextDouble(0.93, 1.07),
              rng.nextDouble(360, 900),
              // Both slopes and 15–30 s at the floor: the trough spans two 10 s steps or more.
              2 * CHECKPOINT_EDGE_S + rng.nextDouble(15, 30));
      for (int g : gpus) {
        slots[n][g] = job;
      }
      started.add(job);
    }
  }

  /** Target utilisation (0–1) of GPU {@code g} of node {@code n}; 0 when idle. */
  double util(int n, int g, double t) {
    Job j = slots[n][g];
    return j == null ? 0 : j.util(t);
  }

  /** How hard the job on GPU {@code g} of node {@code n} pushes power per unit of utilisation. */
  double intensity(int n, int g) {
    Job j = slots[n][g];
    return j == null ? 1 : j.intensity();
  }

  /** Jobs started since the last call, in start order. */
  List<Job> drainStarted() {
    List<Job> out = List.copyOf(started);
    started.clear();
    return out;
  }

  /** A job that ended, and the simulated second it did (the first step at or after its end). */
  record Ended(Job job, double at) {}

  /** Jobs ended since the last call, in the order they ended. */
  List<Ended> drainEnded() {
    List<Ended> out = List.copyOf(ended);
    ended.clear();
    return out;
  }
}
