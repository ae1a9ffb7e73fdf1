package io.kilowatch.simulator;

/** A facility energy meter (three-phase, L1 voltage shown). */
public record MeterReading(
    String id, double powerW, double energyWh, double voltageV, double frequencyHz) {

  /** This reading with the energy register carried on at the present draw for {@code seconds}. */
  public MeterReading after(double seconds) {
    return new MeterReading(id, powerW, energyWh + powerW * seconds / 3600, voltageV, frequencyHz);
  }
}
