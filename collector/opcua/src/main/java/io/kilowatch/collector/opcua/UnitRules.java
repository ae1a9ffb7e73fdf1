package io.kilowatch.collector.opcua;

import io.kilowatch.config.Profile.OpcUaPoint;
import io.kilowatch.config.units.PointUnit;
import io.kilowatch.config.units.Units;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import javax.measure.UnitConverter;

/**
 * What a point's configuration and its server's declaration together say about the point's unit.
 * The configuration always wins: a server never changes a configured unit or converts a value, it
 * only fills in what the configuration leaves open, and a disagreement is reported.
 */
final class UnitRules {
  private UnitRules() {}

  private static final Units.Parsed ONE = Units.parse("1");

  /** The configured unit disagrees with the server's; the configured one stands. */
  record Mismatch(PointUnit configured, Units.Parsed server, String message) {}

  /**
   * @param declared what the point takes from the server (its unit, state names or both), to be
   *     reported to the series catalog; null when it takes nothing
   * @param mismatch the configured unit contradicts the server's; null when not
   * @param warnings other things an operator should fix (a unit that cannot be taken), logged as
   *     warnings
   * @param notes things worth one line in the log, not a warning
   */
  record Decision(
      PointUnit declared, Mismatch mismatch, List<String> warnings, List<String> notes) {
    Decision {
      warnings = List.copyOf(warnings);
      notes = List.copyOf(notes);
    }

    /** What an operator should see: the mismatch or warnings, one line; null when none. */
    String warning() {
      var all = new ArrayList<String>();
      if (mismatch != null) {
        all.add(mismatch.message());
      }
      all.addAll(warnings);
      return all.isEmpty() ? null : String.join("; ", all);
    }
  }

  static Decision decide(OpcUaPoint point, String deviceId, ServerDeclaration server) {
    String where = "device " + deviceId + " point " + point.name();
    var warnings = new ArrayList<String>();
    var notes = new ArrayList<String>();
    PointUnit configured;
    try {
      configured = point.pointUnit();
    } catch (IllegalArgumentException e) {
      // Validation reports a configured unit that does not parse; nothing to compare it with.
      return new Decision(null, null, warnings, notes);
    }
    boolean scaled = point.scale() != 1 || point.offset() != 0;

    if (server.unitCode() != null && server.unit() == null) {
      String unknown =
          where
              + ": the server declares unit code "
              + server.unitCode()
              + (server.unitName() == null ? "" : " ('" + server.unitName() + "')")
              + ", which kilowatch does not know; ignored";
      if (configured == null) {
        warnings.add(unknown + "; configure the point's unit");
      } else {
        notes.add(unknown);
      }
    }

    Mismatch mismatch = null;
    Units.Parsed taken = null;
    Units.Parsed serverUnit = server.unit();
    if (serverUnit != null) {
      if (configured != null) {
        if (!agrees(
            serverUnit,
            configured.unit(),
            point.scale(),
            point.offset(),
            configured.quantity() == io.kilowatch.config.units.Quantity.TEMPERATURE_DIFFERENCE)) {
          mismatch =
              new Mismatch(
                  configured,
                  serverUnit,
                  where
                      + ": configured unit "
                      + configured.shown()
                      + (scaled
                          ? " (scale " + point.scale() + ", offset " + point.offset() + ")"
                          : "")
                      + " disagrees with the server's "
                      + serverUnit.shown()
                      + " (UNECE "
                      + server.unitCode()
                      + "); keeping "
                      + configured.shown()
                      + ", values are stored as configured, not converted");
        }
      } else if (scaled) {
        // The server's unit is that of the value before scaling: the stored value's is unknown.
        warnings.add(
            where
                + ": the server declares "
                + serverUnit.shown()
                + " for the value before scale "
                + point.scale()
                + " and offset "
                + point.offset()
                + "; configure the unit of the stored value");
      } else {
        taken = serverUnit;
      }
    }

    Units.Parsed unit = configured != null ? configured.unit() : taken;
    SortedMap<Long, String> states = point.states();
    boolean takeStates =
        states.isEmpty()
            && !server.states().isEmpty()
            && (unit == null || unit.code().equals(ONE.code()))
            // Booleans are never scaled; a scaled multi-state value no longer matches its names.
            && (!scaled || isTwoState(server.states()));
    if (takeStates) {
      states = server.states();
      if (unit == null) {
        unit = ONE;
      }
    } else if (!server.states().isEmpty() && states.isEmpty()) {
      notes.add(
          where
              + ": the server names states "
              + server.states()
              + " but the point's unit is "
              + (unit == null ? "unknown" : unit.shown())
              + ", not 1; not taken");
    }

    PointUnit declared = null;
    if (taken != null || takeStates) {
      try {
        declared = PointUnit.of(unit.code(), point.quantity(), states);
      } catch (IllegalArgumentException e) {
        warnings.add(
            where + ": cannot take the server's unit " + unit.shown() + ": " + e.getMessage());
      }
    }
    return new Decision(declared, mismatch, warnings, notes);
  }

  private static boolean isTwoState(SortedMap<Long, String> states) {
    return states.keySet().stream().allMatch(v -> v == 0 || v == 1);
  }

  /**
   * Whether a value in the server's unit, scaled, is the same quantity in the configured unit: for
   * every x, converting x from the server's unit gives x × scale + offset. With scale 1 and offset
   * 0 that is {@link Units#same}; a node in W stored in kW with scale 0.001 agrees too.
   */
  static boolean agrees(Units.Parsed server, Units.Parsed configured, double scale, double offset) {
    return agrees(server, configured, scale, offset, false);
  }

  /**
   * As above; for a difference (a ΔT in K against a server's °C) only the conversion's linear part
   * counts: a difference of 1 °C is one of 1 K.
   */
  static boolean agrees(
      Units.Parsed server,
      Units.Parsed configured,
      double scale,
      double offset,
      boolean difference) {
    if (!server.unit().isCompatible(configured.unit())) {
      return false;
    }
    UnitConverter c = Units.converter(server.unit(), configured.unit());
    if (difference) {
      c = Units.linearPart(c);
    }
    // The converters between units of one quantity are affine: two points fix them; a third
    // guards against rounding in a converter that is not.
    for (double x : new double[] {0, 1, 1000}) {
      if (!close(c.convert(x), x * scale + offset)) {
        return false;
      }
    }
    return true;
  }

  private static boolean close(double a, double b) {
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.max(Math.abs(a), Math.abs(b)));
  }
}
