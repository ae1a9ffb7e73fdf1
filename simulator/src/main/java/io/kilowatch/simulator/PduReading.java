package io.kilowatch.simulator;

import java.util.List;

/**
 * One rack PDU (one or three phases), its active-energy register and, where it meters them, its
 * outlets (empty where it does not).
 */
public record PduReading(
    String id, String rackId, List<Phase> phases, double energyWh, List<Outlet> outlets) {
  public PduReading {
    phases = List.copyOf(phases);
    outlets = List.copyOf(outlets);
  }

  /** One metered outlet: its active power and its active-energy register. */
  public record Outlet(double powerW, double energyWh) {}

  /** One phase of a PDU; current is power over voltage. */
  public record Phase(double powerW, double currentA, double voltageV) {}

  public double powerW() {
    return phases.stream().mapToDouble(Phase::powerW).sum();
  }

  /** This reading with the energy register carried on at the present draw for {@code seconds}. */
  public PduReading after(double seconds) {
    return new PduReading(
        id,
        rackId,
        phases,
        energyWh + powerW() * seconds / 3600,
        outlets.stream()
            .map(o -> new Outlet(o.powerW(), o.energyWh() + o.powerW() * seconds / 3600))
            .toList());
  }
}
