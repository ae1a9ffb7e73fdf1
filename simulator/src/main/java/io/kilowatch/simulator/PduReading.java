package io.kilowatch.simulator;

import java.util.List;

/** One rack PDU (three phases) and its active-energy register. */
public record PduReading(String id, String rackId, List<Phase> phases, double energyWh) {
  public PduReading {
    phases = List.copyOf(phases);
  }

  /** One phase of a PDU; current is power over voltage. */
  public record Phase(double powerW, double currentA, double voltageV) {}

  public double powerW() {
    return phases.stream().mapToDouble(Phase::powerW).sum();
  }

  /** This reading with the energy register carried on at the present draw for {@code seconds}. */
  public PduReading after(double seconds) {
    return new PduReading(id, rackId, phases, energyWh + powerW() * seconds / 3600);
  }
}
