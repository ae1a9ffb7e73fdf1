package io.kilowatch.web.api;

import io.kilowatch.config.units.PointUnit;
import io.kilowatch.config.units.Units;
import java.util.Map;
import javax.measure.UnitConverter;

/**
 * The optional {@code unit} parameter of {@code /api/query} and {@code /api/latest}: every value is
 * converted to it (JSR 385), so a page asks for kW and never divides by a guess. Without it, values
 * come in their series' own unit.
 */
final class UnitParam {
  private static final UnitConverter IDENTITY =
      Units.converter(Units.parse("1").unit(), Units.parse("1").unit());

  private final Units.Parsed unit;
  private final boolean differences;

  private UnitParam(Units.Parsed unit, boolean differences) {
    this.unit = unit;
    this.differences = differences;
  }

  /**
   * @param differences whether the values are increases (counter deltas): a unit whose conversion
   *     has an offset (°C to °F) cannot convert those, and is refused
   */
  static UnitParam of(Params p, boolean differences) {
    String text = p.optional("unit");
    if (text == null) {
      return new UnitParam(null, differences);
    }
    try {
      return new UnitParam(Units.parse(text), differences);
    } catch (IllegalArgumentException e) {
      throw new BadRequest("unit", e.getMessage());
    }
  }

  boolean asked() {
    return unit != null;
  }

  /**
   * The conversion of a series' values, the identity when no unit is asked, or null when the series
   * cannot be shown in the unit asked (its unit is unknown or measures something else).
   */
  UnitConverter converter(PointUnit series) {
    if (unit == null) {
      return IDENTITY;
    }
    if (series == null || !series.convertibleTo(unit)) {
      return null;
    }
    UnitConverter c = series.to(unit);
    if (differences && !c.isLinear()) {
      throw new BadRequest(
          "unit",
          "counter increases in "
              + series.shown()
              + " cannot be shown in "
              + unit.shown()
              + ": the conversion has an offset");
    }
    return c;
  }

  /** A series' description, saying the unit its values are now in. */
  Map<String, Object> keyJson(Map<String, Object> m) {
    if (unit != null) {
      m.put("unit", unit.shown());
      m.put("ucum", unit.code());
    }
    return m;
  }
}
