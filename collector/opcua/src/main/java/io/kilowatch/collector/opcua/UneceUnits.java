package io.kilowatch.collector.opcua;

import java.util.Map;
import java.util.Optional;

/**
 * The units an OPC UA server names in {@code EngineeringUnits}: UNECE Recommendation 20 common
 * codes, mapped to kilowatch unit symbols for the units a data centre meets. Codes checked against
 * the OPC Foundation's UNECE_to_OPCUA.csv (as Milo's {@code CefactEngineeringUnits} carries it).
 */
final class UneceUnits {
  private UneceUnits() {}

  /** The namespace of EUInformation whose unitId is a UNECE code (OPC UA Part 8 §5.6.3). */
  static final String CEFACT_URI = "http://www.opcfoundation.org/UA/units/un/cefact";

  /** Common code → unit symbol as {@link io.kilowatch.config.units.Units#parse} takes it. */
  private static final Map<String, String> SYMBOLS =
      Map.ofEntries(
          // power, apparent power, energy
          Map.entry("WTT", "W"),
          Map.entry("KWT", "kW"),
          Map.entry("MAW", "MW"),
          Map.entry("D46", "VA"),
          Map.entry("KVA", "kVA"),
          Map.entry("MVA", "MVA"),
          Map.entry("WHR", "Wh"),
          Map.entry("KWH", "kWh"),
          Map.entry("MWH", "MWh"),
          Map.entry("GWH", "GWh"),
          Map.entry("JOU", "J"),
          Map.entry("KJO", "kJ"),
          Map.entry("3B", "MJ"),
          // electrical
          Map.entry("AMP", "A"),
          Map.entry("4K", "mA"),
          Map.entry("VLT", "V"),
          Map.entry("KVT", "kV"),
          Map.entry("HTZ", "Hz"),
          // temperature
          Map.entry("CEL", "Cel"),
          Map.entry("KEL", "K"),
          Map.entry("FAH", "[degF]"),
          // flow
          Map.entry("L2", "L/min"),
          Map.entry("G51", "L/s"),
          Map.entry("MQH", "m3/h"),
          Map.entry("MQS", "m3/s"),
          Map.entry("G2", "[gal_us]/min"),
          // pressure
          Map.entry("PAL", "Pa"),
          Map.entry("KPA", "kPa"),
          Map.entry("MPA", "MPa"),
          Map.entry("BAR", "bar"),
          Map.entry("MBR", "mbar"),
          Map.entry("PS", "[psi]"),
          // shares, counts, speeds
          Map.entry("P1", "%"),
          Map.entry("C62", "1"),
          // Rec 20 lists both: RPM "revolutions per minute" and M46 "revolution per minute".
          Map.entry("RPM", "/min"),
          Map.entry("M46", "/min"),
          // time, volume, mass
          Map.entry("SEC", "s"),
          Map.entry("MIN", "min"),
          Map.entry("HUR", "h"),
          Map.entry("LTR", "L"),
          Map.entry("MTQ", "m3"),
          Map.entry("KGM", "kg"));

  /**
   * The common code packed into a unitId: one ASCII character per byte, the last character in the
   * lowest byte ({@code "KWT"} is {@code 0x4B5754}). Null for -1 ("no unit id") and anything that
   * does not unpack to letters and digits.
   */
  static String commonCode(int unitId) {
    if (unitId <= 0) {
      return null;
    }
    var code = new StringBuilder(4);
    for (int shift = 24; shift >= 0; shift -= 8) {
      int c = (unitId >>> shift) & 0xFF;
      if (c == 0) {
        if (!code.isEmpty()) {
          return null;
        }
        continue;
      }
      if (!(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9')) {
        return null;
      }
      code.append((char) c);
    }
    return code.toString();
  }

  /** The unit symbol of a common code, or empty for a code this table does not hold. */
  static Optional<String> symbol(String commonCode) {
    return Optional.ofNullable(commonCode == null ? null : SYMBOLS.get(commonCode));
  }

  static Map<String, String> table() {
    return SYMBOLS;
  }
}
