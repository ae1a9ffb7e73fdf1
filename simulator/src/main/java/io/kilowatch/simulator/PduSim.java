package io.kilowatch.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/** A three-phase rack PDU: splits its load over phases with a small, fixed imbalance. */
final class PduSim {
  final String id;
  final String rackId;
  private final RandomGenerator rng;
  private final double[] phaseShare = new double[3];
  private final double[] phaseDropV = new double[3];
  private final double[] powerW = new double[3];
  private final double[] voltageV = new double[3];
  private double energyWh;

  PduSim(String id, String rackId, RandomGenerator rng) {
    this.id = id;
    this.rackId = rackId;
    this.rng = rng;
    double sum = 0;
    for (int i = 0; i < 3; i++) {
      phaseShare[i] = 1 + rng.nextDouble(-0.04, 0.04);
      sum += phaseShare[i];
      phaseDropV[i] = rng.nextDouble(0.8, 2.5);
    }
    for (int i = 0; i < 3; i++) {
      phaseShare[i] /= sum;
    }
    this.energyWh = rng.nextDouble(1e6, 5e6);
  }

  void step(double dtS, double totalW, double gridV) {
    // The draw held since the last step is what this step counts (see SiteModel on counters).
    energyWh += (powerW[0] + powerW[1] + powerW[2]) * dtS / 3600;
    double[] w = new double[3];
    double sum = 0;
    for (int i = 0; i < 3; i++) {
      w[i] = phaseShare[i] * (1 + rng.nextGaussian() * 0.003);
      sum += w[i];
    }
    for (int i = 0; i < 3; i++) {
      // Renormalised so the phases always add up to exactly what the rack draws.
      powerW[i] = totalW * w[i] / sum;
      voltageV[i] = gridV - phaseDropV[i] + rng.nextGaussian() * 0.3;
    }
  }

  PduReading reading() {
    List<PduReading.Phase> phases = new ArrayList<>(3);
    for (int i = 0; i < 3; i++) {
      phases.add(new PduReading.Phase(powerW[i], powerW[i] / voltageV[i], voltageV[i]));
    }
    return new PduReading(id, rackId, phases, energyWh);
  }
}
