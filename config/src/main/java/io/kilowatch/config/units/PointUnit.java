package io.kilowatch.config.units;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import javax.measure.UnitConverter;

/**
 * What a stored value measures and in which unit, with the names of its states for a two- or
 * multi-state point.
 *
 * @param quantity what the value measures
 * @param unit the unit the stored value is in
 * @param states state names by value (0 → Dry, 1 → Leak); empty unless {@code quantity} is {@link
 *     Quantity#STATE}
 */
public record PointUnit(Quantity quantity, Units.Parsed unit, SortedMap<Long, String> states) {
  public PointUnit {
    Objects.requireNonNull(quantity, "quantity");
    Objects.requireNonNull(unit, "unit");
    states = Collections.unmodifiableSortedMap(new TreeMap<>(states == null ? Map.of() : states));
    if (!quantity.accepts(unit)) {
      throw new IllegalArgumentException(
          "unit '" + unit.shown() + "' does not measure " + quantity.configName());
    }
  }

  /**
   * Parses a configured unit, with an optional quantity and state names.
   *
   * @param quantity the configured quantity, or {@code null} to take the one the unit measures
   *     ({@link Quantity#STATE} when states are named)
   * @throws IllegalArgumentException naming the unit and, where it does not fit, the quantity
   */
  public static PointUnit of(String symbol, Quantity quantity, Map<Long, String> states) {
    Units.Parsed p = Units.parse(symbol);
    Quantity q = quantity;
    if (q == null) {
      q =
          states != null && !states.isEmpty() && p.code().equals("1")
              ? Quantity.STATE
              : Quantity.of(p)
                  .orElseThrow(
                      () ->
                          new IllegalArgumentException(
                              "unit '" + symbol + "' measures no quantity kilowatch knows"));
    }
    return new PointUnit(q, p, states == null ? null : new TreeMap<>(states));
  }

  /** A plain unit: its quantity is the one it measures. */
  public static PointUnit of(String symbol) {
    return of(symbol, null, Map.of());
  }

  /** The symbol as pages, reports and API answers show it. */
  public String shown() {
    return unit.shown();
  }

  /**
   * The conversion from this unit to another of the same quantity; for a temperature difference
   * only its linear part (a 5 °C margin is 5 K, not 278.15 K).
   */
  public UnitConverter to(Units.Parsed other) {
    UnitConverter c = Units.converter(unit.unit(), other.unit());
    return quantity == Quantity.TEMPERATURE_DIFFERENCE ? Units.linearPart(c) : c;
  }

  /**
   * Whether this point's values can be shown in {@code other}: the same dimension and a unit of the
   * same quantity (kVA is never shown as kW; a temperature difference takes any temperature unit).
   */
  public boolean convertibleTo(Units.Parsed other) {
    if (!Units.compatible(unit.unit(), other.unit())) {
      return false;
    }
    return switch (quantity) {
      case TEMPERATURE_DIFFERENCE -> Quantity.TEMPERATURE.accepts(other);
      case STATE, DIMENSIONLESS, PERCENT -> true;
      default -> quantity.accepts(other);
    };
  }

  /** A value in this unit, in its quantity's canonical unit ({@code 300 K} → {@code 26.85 °C}). */
  public double canonical(double value) {
    return to(quantity.canonical()).convert(value);
  }

  /**
   * The factor from this unit to {@code code} for a quantity whose conversions have no offset
   * (energy, power, flow): 1 Wh × 0.001 = 1 kWh.
   */
  public double factorTo(String code) {
    UnitConverter c = to(Units.parse(code));
    if (!c.isLinear()) {
      throw new IllegalArgumentException(
          shown() + " to " + code + " has an offset: convert values, not factors");
    }
    return c.convert(1.0);
  }

  /**
   * The unit a conventional field-name suffix spells when it is not this one ({@code energy_kwh}
   * declared in Wh, {@code power_kw} in kVA): the 1000× error a reader of the name would make.
   * Empty when the name spells no unit or the same one.
   */
  public java.util.Optional<Units.Parsed> contradictedBy(String field) {
    return Units.spelledBy(field)
        .map(Units::parse)
        .filter(
            named ->
                !Units.same(named.unit(), unit.unit())
                    || Quantity.of(named).orElse(null) != quantity && quantity != Quantity.STATE);
  }

  /** The state name of a value, or {@code null} when it has none. */
  public String stateName(double value) {
    if (states.isEmpty() || value != Math.rint(value)) {
      return null;
    }
    return states.get((long) value);
  }
}
