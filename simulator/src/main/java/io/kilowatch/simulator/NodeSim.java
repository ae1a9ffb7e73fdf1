package io.kilowatch.simulator;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.random.RandomGenerator;

/** One 8-GPU node (H100 SXM-like): power follows utilisation, temperature follows the coolant. */
final class NodeSim {
  static final double GPU_IDLE_W = 70;
  static final double GPU_LIMIT_W = 700;
  static final double SLOWDOWN_C = 87;
  static final double SHUTDOWN_C = 92;
  static final double MAX_SM_CLOCK_MHZ = 1980;
  static final double IDLE_SM_CLOCK_MHZ = 345;

  /** Cold-plate thermal resistance, K per W at nominal flow. */
  private static final double K_PER_W = 0.045;

  final String id;
  final String clusterId;
  final String rackId;
  private final RandomGenerator rng;
  private final Gpu[] gpus;
  private double hostPowerW;
  private boolean initialised;

  private static final class Gpu {
    final int index;
    final String uuid;
    final double offsetC;
    double util;
    double powerW;
    double tempC;
    double memTempC;
    double energyMj;
    double throttle = 1;
    double violationNs;
    long reasons;
    int smClockMhz;

    Gpu(int index, String uuid, double offsetC, double energyMj) {
      this.index = index;
      this.uuid = uuid;
      this.offsetC = offsetC;
      this.energyMj = energyMj;
    }
  }

  NodeSim(String id, String clusterId, String rackId, long seed, RandomGenerator rng) {
    this.id = id;
    this.clusterId = clusterId;
    this.rackId = rackId;
    this.rng = rng;
    this.gpus = new Gpu[SiteLayout.GPUS_PER_NODE];
    // Energy counters count from driver load: a node booted some days ago.
    double uptimeS = rng.nextDouble(1, 30) * 86_400;
    for (int i = 0; i < gpus.length; i++) {
      String name = seed + "/" + id + "/gpu" + i;
      String uuid = "GPU-" + UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8));
      // Some sockets sit downstream in the cold-plate chain or have worse paste.
      double offset = rng.nextDouble(-2, 3);
      gpus[i] = new Gpu(i, uuid, offset, uptimeS * rng.nextDouble(300, 500) * 1000);
    }
  }

  /**
   * Advances the node by {@code dtS}.
   *
   * @param targetUtil each GPU's utilisation as its job asks (0–1; 0 with no job)
   * @param intensity each GPU's power per unit of utilisation (1 nominal, above 1 hits the cap)
   * @param coolantC coolant temperature reaching the cold plates
   * @param relativeFlow loop flow relative to nominal (less flow, worse heat transfer)
   */
  void step(
      double dtS, double[] targetUtil, double[] intensity, double coolantC, double relativeFlow) {
    double flowFactor = Math.pow(Math.max(0.15, relativeFlow), 0.6);
    double utilSum = 0;
    for (Gpu g : gpus) {
      double target = targetUtil[g.index];
      g.util = target <= 0 ? 0 : Lag.clamp(target + rng.nextGaussian() * 0.012, 0.0, 1.0);
      double demandW =
          GPU_IDLE_W
              + g.util * (GPU_LIMIT_W - GPU_IDLE_W) * intensity[g.index]
              + rng.nextGaussian() * 3;
      boolean powerCapped = demandW >= GPU_LIMIT_W;
      g.powerW = Math.max(GPU_IDLE_W * 0.9, Math.min(demandW, GPU_LIMIT_W) * g.throttle);

      double targetTemp = coolantC + g.offsetC + K_PER_W * g.powerW / flowFactor;
      double targetMem = targetTemp + 2 + 0.004 * g.powerW;
      if (!initialised) {
        g.tempC = targetTemp;
        g.memTempC = targetMem;
      } else {
        g.tempC = Lag.toward(g.tempC, targetTemp, 12, dtS) + rng.nextGaussian() * 0.05;
        g.memTempC = Lag.toward(g.memTempC, targetMem, 20, dtS);
      }

      // The GPU protects itself: above slowdown it sheds clocks (and so power) until it cools.
      if (g.tempC >= SLOWDOWN_C) {
        g.throttle = Math.max(0.4, g.throttle - 0.03 * dtS);
      } else if (g.tempC < SLOWDOWN_C - 1.5) {
        g.throttle = Math.min(1, g.throttle + 0.01 * dtS);
      }
      long reasons = 0;
      if (g.util == 0) {
        reasons |= ClockEventReasons.GPU_IDLE;
      }
      if (powerCapped) {
        reasons |= ClockEventReasons.SW_POWER_CAP;
      }
      if (g.tempC >= SLOWDOWN_C || g.throttle < 1) {
        reasons |= ClockEventReasons.SW_THERMAL_SLOWDOWN;
        g.violationNs += dtS * 1e9;
      }
      if (g.tempC >= SLOWDOWN_C + 2) {
        reasons |= ClockEventReasons.HW_THERMAL_SLOWDOWN;
      }
      g.reasons = reasons;
      double clock =
          g.util == 0
              ? IDLE_SM_CLOCK_MHZ
              : MAX_SM_CLOCK_MHZ * g.throttle * (powerCapped ? 0.9 : 1.0);
      g.smClockMhz = (int) (Math.round(clock / 15.0) * 15);
      g.energyMj += g.powerW * dtS * 1000;
      utilSum += g.util;
    }
    double hostTarget = 1200 + 600 * utilSum / gpus.length;
    hostPowerW = hostTarget + rng.nextGaussian() * 15;
    initialised = true;
  }

  double powerW() {
    double sum = hostPowerW;
    for (Gpu g : gpus) {
      sum += g.powerW;
    }
    return sum;
  }

  NodeReading reading() {
    List<GpuReading> readings = new ArrayList<>(gpus.length);
    for (Gpu g : gpus) {
      readings.add(
          new GpuReading(
              g.index,
              g.uuid,
              g.util * 100,
              g.powerW,
              GPU_LIMIT_W,
              g.energyMj,
              g.tempC,
              g.memTempC,
              SLOWDOWN_C,
              SHUTDOWN_C,
              g.smClockMhz,
              g.reasons,
              (long) g.violationNs));
    }
    return new NodeReading(id, clusterId, rackId, hostPowerW, readings);
  }
}
