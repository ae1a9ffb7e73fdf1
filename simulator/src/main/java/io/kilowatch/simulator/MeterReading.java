package io.kilowatch.simulator;

/** A facility energy meter (three-phase, L1 voltage shown). */
public record MeterReading(
    String id, double powerW, double energyWh, double voltageV, double frequencyHz) {}
