package io.kilowatch.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A rack PDU of one or three phases: splits its load over phases with a small, fixed imbalance and,
 * where it meters outlets, reports what each outlet carries.
 */
final class PduSim {
  final String id;
  final String rackId;
  private final RandomGenerator rng;
  private final int phases;
  private final double[] phaseShare;
  private final double[] phaseDropV;
  private final double[] powerW;
  private final double[] voltageV;
  private double[] outletsW = new double[0];
  private double[] outletsWh = new double[0];
  private double energyWh;

  /** A three-phase PDU without outlet metering. */
  PduSim(String id, String rackId, RandomGenerator rng) {
    this(id, rackId, 3, rng);
  }

  PduSim(String id, String rackId, int phases, RandomGenerator rng) {
    this.id = id;
    this.rackId = rackId;
    this.rng = rng;
    this.phases = phases;
    this.phaseShare = new double[phases];
    this.phaseDropV = new double[phases];
    this.powerW = new double[phases];
    this.voltageV = new double[phases];
    double sum = 0;
    for (int i = 0; i < phases; i++) {
      phaseShare[i] = 1 + rng.nextDouble(-0.04, 0.04);
      sum += phaseShare[i];
      phaseDropV[i] = rng.nextDouble(0.8, 2.5);
    }
    for (int i = 0; i < phases; i++) {
      phaseShare[i] /= sum;
    }
    this.energyWh = rng.nextDouble(1e6, 5e6);
  }

  void step(double dtS, double totalW, double gridV) {
    // The draw held since the last step is what this step counts (see SiteModel on counters).
    double held = 0;
    for (int i = 0; i < phases; i++) {
      held += powerW[i];
    }
    energyWh += held * dtS / 3600;
    double[] w = new double[phases];
    double sum = 0;
    for (int i = 0; i < phases; i++) {
      w[i] = phaseShare[i] * (1 + rng.nextGaussian() * 0.003);
      sum += w[i];
    }
    for (int i = 0; i < phases; i++) {
      // Renormalised so the phases always add up to exactly what the rack draws.
      powerW[i] = totalW * w[i] / sum;
      voltageV[i] = gridV - phaseDropV[i] + rng.nextGaussian() * 0.3;
    }
  }

  /**
   * As {@link #step(double, double, double)}, the load being what the outlets carry: each outlet's
   * power is reported and the PDU's total is their sum.
   */
  void step(double dtS, double[] outletW, double gridV) {
    if (outletsWh.length != outletW.length) {
      // The first step: each outlet's register starts at its share of the PDU's.
      outletsWh = new double[outletW.length];
      java.util.Arrays.fill(outletsWh, energyWh / Math.max(1, outletW.length));
      outletsW = new double[outletW.length];
    }
    for (int i = 0; i < outletW.length; i++) {
      outletsWh[i] += outletsW[i] * dtS / 3600;
    }
    double total = 0;
    for (double w : outletW) {
      total += w;
    }
    step(dtS, total, gridV);
    this.outletsW = outletW.clone();
  }

  PduReading reading() {
    List<PduReading.Phase> list = new ArrayList<>(phases);
    for (int i = 0; i < phases; i++) {
      list.add(new PduReading.Phase(powerW[i], powerW[i] / voltageV[i], voltageV[i]));
    }
    List<PduReading.Outlet> outlets = new ArrayList<>(outletsW.length);
    for (int i = 0; i < outletsW.length; i++) {
      outlets.add(new PduReading.Outlet(outletsW[i], outletsWh[i]));
    }
    return new PduReading(id, rackId, list, energyWh, outlets);
  }
}
