package io.kilowatch.analytics;

import java.util.Locale;

/**
 * The unit a field name carries in its suffix ({@code energy_kwh}, {@code energy_mj}, {@code
 * power_w}), as the collectors name fields, and the factor to kWh (counters) or kW (power).
 */
enum FieldUnit {
  KWH(1, true),
  MWH(1000, true),
  WH(1e-3, true),
  /** Millijoules, as NVML and dcgm-exporter count GPU energy. */
  MJ(1.0 / 3.6e9, true),
  J(1.0 / 3.6e6, true),
  W(1e-3, false),
  KW(1, false),
  MW(1000, false);

  private final double factor;
  private final boolean energy;

  FieldUnit(double factor, boolean energy) {
    this.factor = factor;
    this.energy = energy;
  }

  /** Multiplier to kWh for an energy unit, to kW for a power unit. */
  double factor() {
    return factor;
  }

  boolean isEnergy() {
    return energy;
  }

  /**
   * The unit of a field; {@code _mwh} is read as megawatt-hours (no meter counts milliwatt-hours).
   *
   * @throws IllegalArgumentException when the suffix names no energy or power unit
   */
  static FieldUnit of(String field) {
    String f = field.toLowerCase(Locale.ROOT);
    int i = f.lastIndexOf('_');
    String suffix = i < 0 ? f : f.substring(i + 1);
    return switch (suffix) {
      case "kwh" -> KWH;
      case "mwh" -> MWH;
      case "wh" -> WH;
      case "mj" -> MJ;
      case "j" -> J;
      case "w" -> W;
      case "kw" -> KW;
      case "mw" -> MW;
      default ->
          throw new IllegalArgumentException(
              "field '" + field + "' names no energy or power unit (_kwh, _wh, _mj, _w, _kw...)");
    };
  }
}
