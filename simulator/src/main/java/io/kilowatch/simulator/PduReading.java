package io.kilowatch.simulator;

import java.util.List;

/**
 * One rack PDU (one or three phases), its active-energy register and, where it meters them, the
 * active power of each outlet (empty where it does not).
 */
public record PduReading(
    String id, String rackId, List<Phase> phases, double energyWh, List<Double> outletsW) {
  public PduReading {
    phases = List.copyOf(phases);
    outletsW = List.copyOf(outletsW);
  }

  /** One phase of a PDU; current is power over voltage. */
  public record Phase(double powerW, double currentA, double voltageV) {}

  public double powerW() {
    return phases.stream().mapToDouble(Phase::powerW).sum();
  }

  /** This reading with the energy register carried on at the present draw for {@code seconds}. */
  public PduReading after(double seconds) {
    return new PduReading(id, rackId, phases, energyWh + powerW() * seconds / 3600, outletsW);
  }
}
