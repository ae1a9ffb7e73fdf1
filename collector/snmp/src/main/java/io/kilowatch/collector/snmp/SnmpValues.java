package io.kilowatch.collector.snmp;

import java.util.regex.Pattern;
import org.snmp4j.smi.Counter64;
import org.snmp4j.smi.Null;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.UnsignedInteger32;
import org.snmp4j.smi.Variable;

/**
 * What an SNMP value is as a number. Agents give readings as INTEGER (Integer32), Gauge32 or
 * Unsigned32, Counter32, Counter64, TimeTicks, or as text (a DisplayString holding "230.4"), often
 * in tenths or thousandths that the profile's scale (or the agent's decimal digits) undoes.
 */
final class SnmpValues {
  private SnmpValues() {}

  /** A value as a number, or why it is none. */
  sealed interface Number {}

  record Value(double raw) implements Number {}

  record NotANumber(String why) implements Number {}

  /**
   * A decimal number as an agent writes one in a DisplayString: optional sign, digits with at most
   * one decimal point, an optional exponent; surrounding blanks (and trailing NULs, which some
   * agents pad with) are dropped. No thousands separators, units or hex: such a string is not a
   * number the agent meant to be read as one.
   */
  private static final Pattern DECIMAL =
      Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d{1,3})?");

  static Number of(Variable v) {
    if (v == null) {
      return new NotANumber("no value");
    }
    if (v.isException()) {
      return new NotANumber(v.toString());
    }
    return switch (v) {
      case Counter64 c -> new Value(unsigned(c.getValue()));
      // Counter32, Gauge32, Unsigned32 and TimeTicks: 32-bit unsigned.
      case UnsignedInteger32 u -> new Value((double) u.getValue());
      case org.snmp4j.smi.Integer32 i -> new Value(i.getValue());
      case OctetString s -> text(s.toString());
      case Null n -> new NotANumber("null value");
      default -> new NotANumber("not a number: " + v.getSyntaxString() + " " + v);
    };
  }

  /** A DisplayString number; its text is kept in the reason when it is not one. */
  static Number text(String text) {
    String t = stripped(text);
    if (!DECIMAL.matcher(t).matches()) {
      return new NotANumber("not a number: \"" + printable(text) + "\"");
    }
    double d = Double.parseDouble(t);
    return Double.isFinite(d) ? new Value(d) : new NotANumber("out of range: \"" + t + "\"");
  }

  /** {@code raw × 10^-digits × scale + offset}: the stored value of a raw reading. */
  static double scaled(double raw, int digits, double scale, double offset) {
    // Dividing by an exact power of ten keeps 2301 with 1 digit at exactly 230.1.
    double unscaled = digits == 0 ? raw : raw / Math.pow(10, digits);
    return unscaled * scale + offset;
  }

  private static double unsigned(long v) {
    return v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
  }

  private static String stripped(String text) {
    int end = text.length();
    while (end > 0
        && (text.charAt(end - 1) == '\0' || Character.isWhitespace(text.charAt(end - 1)))) {
      end--;
    }
    return text.substring(0, end).strip();
  }

  private static String printable(String text) {
    var b = new StringBuilder();
    text.codePoints()
        .limit(40)
        .forEach(c -> b.append(c < 0x20 || c == 0x7f ? '?' : Character.toString(c)));
    return b + (text.length() > 40 ? "…" : "");
  }
}
