package io.kilowatch.simulator;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A job of the demo's simulated scheduler, as a Slurm would report it: the GPUs it holds on one
 * node, from its start to its end. The demo's GPU load is these jobs: a GPU is busy exactly while a
 * job holds it.
 *
 * @param id unique on the site: {@code <rack>.<n>}, numbered per rack in start order
 * @param cluster the cluster of its node
 * @param node the GPU node it runs on (a {@code gpu-node} device id of the demo's site)
 * @param gpus the GPU indices it holds on that node (the {@code gpu} tag of their series)
 * @param start when it started
 * @param end when it ended; {@code null} while it runs
 */
public record SimulatedJob(
    String id,
    String cluster,
    String node,
    List<Integer> gpus,
    String user,
    String account,
    String name,
    Instant start,
    Instant end) {

  public SimulatedJob {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(start, "start");
    gpus = List.copyOf(gpus);
  }

  /** Whether it still runs. */
  public boolean running() {
    return end == null;
  }
}
