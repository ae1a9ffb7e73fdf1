package io.kilowatch.config.units;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import javax.measure.Unit;

/**
 * What a point measures. Each quantity has one canonical unit that analytics, alert thresholds and
 * API summaries convert to; stored values keep the unit the device reports.
 */
public enum Quantity {
  POWER("W"),
  /** Volt-amperes: same dimension as power, never summed with it. */
  APPARENT_POWER("V.A"),
  ENERGY("kW.h"),
  CURRENT("A"),
  VOLTAGE("V"),
  FREQUENCY("Hz"),
  TEMPERATURE("Cel"),
  /**
   * A difference of temperatures (a loop's ΔT, a GPU's margin to slowdown): 1 °C of difference is 1
   * K, with no 273.15 offset. Never inferred from a unit: say {@code quantity:
   * temperature-difference}.
   */
  TEMPERATURE_DIFFERENCE("K"),
  FLOW("L/min"),
  PRESSURE("kPa"),
  /** A level or share in percent (fill level, utilisation, humidity). */
  PERCENT("%"),
  /** A rotational speed (fans, pumps). */
  SPEED("/min"),
  /** A two- or multi-state value (leak, breaker, pump run/stop) with named states. */
  STATE("1"),
  DIMENSIONLESS("1"),
  DURATION("s"),
  VOLUME("L"),
  MASS("kg"),
  /** Mass of CO2e per energy: grid intensity (g/kWh), CUE (kg/kWh). */
  CARBON_INTENSITY("g/(kW.h)");

  private final String canonicalCode;

  Quantity(String canonicalCode) {
    this.canonicalCode = canonicalCode;
  }

  /** The unit analytics and summaries convert this quantity to. */
  public Units.Parsed canonical() {
    return Units.parse(canonicalCode);
  }

  /** The name a configuration file writes: {@code power}, {@code apparent-power}. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static Optional<Quantity> byConfigName(String name) {
    String n = name.strip().toLowerCase(Locale.ROOT).replace('_', '-');
    return Arrays.stream(values()).filter(q -> q.configName().equals(n)).findFirst();
  }

  /** Whether a unit can measure this quantity. */
  public boolean accepts(Units.Parsed p) {
    Unit<?> u = p.unit();
    boolean apparent = isApparent(p);
    return switch (this) {
      case POWER -> !apparent && u.isCompatible(canonical().unit());
      case APPARENT_POWER -> apparent;
      case PERCENT -> p.code().equals("%");
      case STATE -> p.code().equals("1");
      case DIMENSIONLESS -> u.isCompatible(Units.parse("1").unit());
      case TEMPERATURE_DIFFERENCE -> u.isCompatible(canonical().unit());
      case SPEED ->
          u.isCompatible(Units.parse("/min").unit()) || u.isCompatible(Units.parse("m/s").unit());
      default -> u.isCompatible(canonical().unit());
    };
  }

  /**
   * The quantity a unit measures when the configuration does not say: {@code W} is power, {@code %}
   * a percentage, {@code rpm} a speed, {@code 1} dimensionless; empty for a unit that fits none.
   */
  public static Optional<Quantity> of(Units.Parsed p) {
    if (isApparent(p)) {
      return Optional.of(APPARENT_POWER);
    }
    if (p.code().equals("%")) {
      return Optional.of(PERCENT);
    }
    if (p.code().equals("/min")) {
      return Optional.of(SPEED);
    }
    for (Quantity q :
        new Quantity[] {
          POWER,
          ENERGY,
          CURRENT,
          VOLTAGE,
          FREQUENCY,
          TEMPERATURE,
          FLOW,
          PRESSURE,
          DIMENSIONLESS,
          DURATION,
          VOLUME,
          MASS,
          CARBON_INTENSITY
        }) {
      if (q.accepts(p)) {
        return Optional.of(q);
      }
    }
    return Optional.empty();
  }

  private static boolean isApparent(Units.Parsed p) {
    return p.code().endsWith("V.A");
  }
}
