package io.kilowatch.config.units;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.measure.MeasurementException;
import javax.measure.Unit;
import javax.measure.UnitConverter;
import javax.measure.format.MeasurementParseException;
import javax.measure.format.UnitFormat;
import systems.uom.ucum.format.UCUMFormat;
import systems.uom.ucum.internal.format.TokenMgrError;

/**
 * Unit symbols as a site writes them, parsed and converted by JSR 385 (Indriya) with UCUM codes.
 * UCUM spells a few everyday symbols differently ({@code kW.h}, {@code Cel}, {@code [degF]}); the
 * everyday spellings below are accepted as well and shown back in their everyday form.
 */
public final class Units {
  private Units() {}

  private static final UnitFormat UCUM = UCUMFormat.getInstance(UCUMFormat.Variant.CASE_SENSITIVE);

  /** Everyday spelling → UCUM code. */
  private static final Map<String, String> ALIASES =
      Map.ofEntries(
          Map.entry("Wh", "W.h"),
          Map.entry("kWh", "kW.h"),
          Map.entry("MWh", "MW.h"),
          Map.entry("GWh", "GW.h"),
          Map.entry("VA", "V.A"),
          Map.entry("kVA", "kV.A"),
          Map.entry("MVA", "MV.A"),
          Map.entry("degC", "Cel"),
          Map.entry("°C", "Cel"),
          Map.entry("℃", "Cel"),
          Map.entry("degF", "[degF]"),
          Map.entry("°F", "[degF]"),
          Map.entry("m³/h", "m3/h"),
          Map.entry("m³", "m3"),
          Map.entry("l/min", "L/min"),
          Map.entry("lpm", "L/min"),
          Map.entry("gpm", "[gal_us]/min"),
          Map.entry("psi", "[psi]"),
          Map.entry("rpm", "/min"));

  /** UCUM code → how pages, reports and API answers show it. */
  private static final Map<String, String> SHOWN =
      Map.ofEntries(
          Map.entry("W.h", "Wh"),
          Map.entry("kW.h", "kWh"),
          Map.entry("MW.h", "MWh"),
          Map.entry("GW.h", "GWh"),
          Map.entry("V.A", "VA"),
          Map.entry("kV.A", "kVA"),
          Map.entry("MV.A", "MVA"),
          Map.entry("Cel", "°C"),
          Map.entry("[degF]", "°F"),
          Map.entry("m3/h", "m³/h"),
          Map.entry("m3", "m³"),
          Map.entry("[gal_us]/min", "gpm"),
          Map.entry("[psi]", "psi"),
          Map.entry("/min", "rpm"));

  private static final Map<String, Parsed> CACHE = new ConcurrentHashMap<>();

  /**
   * A parsed symbol.
   *
   * @param code the UCUM code (everyday aliases resolved)
   * @param unit the JSR 385 unit
   */
  public record Parsed(String code, Unit<?> unit) {
    /** The symbol as pages and API answers show it: {@code kWh}, {@code °C}, {@code L/min}. */
    public String shown() {
      return SHOWN.getOrDefault(code, code);
    }
  }

  /**
   * Parses a unit symbol: a UCUM code ({@code W}, {@code kW.h}, {@code Cel}, {@code L/min}, {@code
   * m3/h}, {@code kPa}, {@code %}, {@code 1}) or an everyday spelling ({@code kWh}, {@code degC},
   * {@code °C}, {@code m³/h}).
   *
   * @throws IllegalArgumentException naming the symbol when it is no unit
   */
  /** A signed integer of three or more digits right after an atom, a bracket or a power sign. */
  private static final java.util.regex.Pattern HUGE_EXPONENT =
      java.util.regex.Pattern.compile("[A-Za-z\\]\\)}'*^][+-]?\\d{3,}");

  public static Parsed parse(String symbol) {
    if (symbol == null || symbol.isBlank()) {
      throw new IllegalArgumentException("a unit is required, e.g. W, kWh, degC, L/min, %, 1");
    }
    String s = symbol.strip();
    Parsed cached = CACHE.get(s);
    if (cached != null) {
      return cached;
    }
    String code = ALIASES.getOrDefault(s, s);
    if (HUGE_EXPONENT.matcher(code).find()) {
      // Indriya raises a unit to a power one multiplication at a time, recursively: an exponent in
      // the thousands overflows the stack, or not, depending on how deep it happens to be.
      throw new IllegalArgumentException(unknown(symbol) + " (exponents go up to 99)");
    }
    Unit<?> unit;
    try {
      unit = UCUM.parse(code);
    } catch (MeasurementParseException
        | IllegalArgumentException
        | UnsupportedOperationException e) {
      throw new IllegalArgumentException(unknown(symbol));
    } catch (RuntimeException | TokenMgrError e) {
      // The UCUM parser reports some malformed codes with its own unchecked token errors, and a
      // character its lexer does not know with an Error.
      throw new IllegalArgumentException(unknown(symbol));
    } catch (StackOverflowError e) {
      // The same recursion through a way of writing a power the check above does not see; the
      // stack is unwound by now.
      throw new IllegalArgumentException(unknown(symbol));
    }
    if (unit == null) {
      throw new IllegalArgumentException(unknown(symbol));
    }
    Parsed p = new Parsed(code, unit);
    if (CACHE.size() < 4096) {
      CACHE.put(s, p);
    }
    return p;
  }

  /** Whether a symbol parses as a unit. */
  public static boolean isUnit(String symbol) {
    try {
      parse(symbol);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static String unknown(String symbol) {
    return "'"
        + symbol
        + "' is no unit (UCUM codes such as W, kW, kW.h, Cel, K, L/min, m3/h, kPa, %, 1, or kWh,"
        + " degC)";
  }

  /** Whether {@code from} can be converted to {@code to} (same dimension). */
  public static boolean compatible(Unit<?> from, Unit<?> to) {
    return from.isCompatible(to);
  }

  /**
   * The conversion from one unit to another.
   *
   * @throws IllegalArgumentException when they measure different things
   */
  public static UnitConverter converter(Unit<?> from, Unit<?> to) {
    Pair key = new Pair(from, to);
    UnitConverter cached = CONVERTERS.get(key);
    if (cached != null) {
      return cached;
    }
    UnitConverter c = newConverter(from, to);
    if (CONVERTERS.size() < 4096) {
      CONVERTERS.put(key, c);
    }
    return c;
  }

  /** Two units, in order: a converter's key. */
  private record Pair(Unit<?> from, Unit<?> to) {}

  // Indriya builds a converter by reducing both units to products of base units, allocating and
  // comparing as it goes: the KPI job asked for the same few (kW.h to kW.h, W to kW) once per
  // device per computation, 10 % of kilowatch's CPU samples at 5,000 GPUs (JFR). Converters are
  // immutable; a site has a handful of unit pairs (bounded anyway, like CACHE).
  private static final Map<Pair, UnitConverter> CONVERTERS = new ConcurrentHashMap<>();

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static UnitConverter newConverter(Unit<?> from, Unit<?> to) {
    try {
      return ((Unit) from).getConverterToAny(to);
    } catch (javax.measure.IncommensurableException | MeasurementException e) {
      throw new IllegalArgumentException(
          "cannot convert " + from + " to " + to + ": they measure different things");
    }
  }

  /**
   * The unit a conventional field-name suffix spells ({@code energy_kwh} → {@code kW.h}), or empty
   * when the name has no such suffix. Used only to check that a configured unit and the name agree;
   * the configured unit is what every conversion uses.
   */
  public static Optional<String> spelledBy(String field) {
    if (field == null) {
      return Optional.empty();
    }
    String f = field.toLowerCase(Locale.ROOT);
    int i = f.lastIndexOf('_');
    if (i < 0) {
      return Optional.empty();
    }
    return Optional.ofNullable(
        switch (f.substring(i + 1)) {
          case "w" -> "W";
          case "kw" -> "kW";
          case "mw" -> "MW";
          case "wh" -> "W.h";
          case "kwh" -> "kW.h";
          case "mwh" -> "MW.h";
          case "mj" -> "mJ";
          case "j" -> "J";
          case "va" -> "V.A";
          case "kva" -> "kV.A";
          case "c" -> "Cel";
          case "f" -> "[degF]";
          case "lpm" -> "L/min";
          case "m3h" -> "m3/h";
          case "kpa" -> "kPa";
          case "pa" -> "Pa";
          case "bar" -> "bar";
          case "pct" -> "%";
          case "v" -> "V";
          case "a" -> "A";
          case "hz" -> "Hz";
          case "mhz" -> "MHz";
          case "ns" -> "ns";
          case "l" -> "L";
          case "m3" -> "m3";
          case "kg" -> "kg";
          case "rpm" -> "/min";
          default -> null;
        });
  }

  /**
   * The conversion without its offset, for differences: °C to K is x + 273.15 for temperatures but
   * x for a difference of temperatures.
   */
  public static UnitConverter linearPart(UnitConverter c) {
    return c.isLinear()
        ? c
        : tech.units.indriya.function.MultiplyConverter.of(c.convert(1.0) - c.convert(0.0));
  }

  /** Whether two units are the same unit (1 kWh in one is 1 kWh in the other). */
  public static boolean same(Unit<?> a, Unit<?> b) {
    if (!a.isCompatible(b)) {
      return false;
    }
    UnitConverter c = converter(a, b);
    return Math.abs(c.convert(1.0) - 1.0) < 1e-12 && Math.abs(c.convert(0.0)) < 1e-12;
  }
}
