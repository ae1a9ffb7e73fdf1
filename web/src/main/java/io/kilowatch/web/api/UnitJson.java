package io.kilowatch.web.api;

import io.kilowatch.config.units.PointUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/** How every API answer states what its values measure. */
final class UnitJson {
  private UnitJson() {}

  /**
   * Adds {@code unit} (as shown: {@code kWh}, {@code °C}), {@code ucum} (the UCUM code, for
   * machines) and {@code quantity}; for a state point also {@code states} (value → name). All null
   * when nothing says what the series measures.
   */
  /**
   * An answer record as a JSON object (through the server's own mapper, so times and durations look
   * as everywhere else) with {@code units} first: what each of its figures is measured in.
   */
  @SuppressWarnings("unchecked")
  static Map<String, Object> withUnits(
      io.javalin.http.Context ctx, Object answer, Map<String, String> units) {
    var mapper = ctx.jsonMapper();
    Map<String, Object> tree =
        (Map<String, Object>)
            mapper.fromJsonString(mapper.toJsonString(answer, answer.getClass()), Map.class);
    var out = new LinkedHashMap<String, Object>();
    out.put("units", units);
    out.putAll(tree);
    return out;
  }

  static void put(Map<String, Object> m, PointUnit u) {
    m.put("unit", u == null ? null : u.shown());
    m.put("ucum", u == null ? null : u.unit().code());
    m.put("quantity", u == null ? null : u.quantity().configName());
    if (u != null && !u.states().isEmpty()) {
      var states = new LinkedHashMap<String, String>();
      u.states().forEach((k, v) -> states.put(Long.toString(k), v));
      m.put("states", states);
    }
  }
}
