package io.kilowatch.collector.snmp;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.snmp4j.smi.Counter32;
import org.snmp4j.smi.Counter64;
import org.snmp4j.smi.Gauge32;
import org.snmp4j.smi.Integer32;
import org.snmp4j.smi.Null;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.SMIConstants;

/** The DisplayString-number and scale rules, as properties. */
class SnmpValuesPropertyTest {

  /** A decimal as an agent writes it: whole digits, optional fraction, blanks or NULs around. */
  @Provide
  Arbitrary<String> padding() {
    return Arbitraries.of("", " ", "  ", "\t", "\0", " \0\0");
  }

  @Property
  void aWrittenDecimalReadsAsItsValue(
      @ForAll @LongRange(min = -9_999_999, max = 9_999_999) long units,
      @ForAll @IntRange(min = 0, max = 4) int decimals,
      @ForAll("padding") String before,
      @ForAll("padding") String after) {
    // units × 10^-decimals written with exactly `decimals` digits after the point.
    BigDecimal d = BigDecimal.valueOf(units, decimals);
    String text = (before.contains("\0") ? " " : before) + d.toPlainString() + after;
    var n = SnmpValues.text(text);
    assertThat(n).isInstanceOf(SnmpValues.Value.class);
    assertThat(((SnmpValues.Value) n).raw()).isEqualTo(d.doubleValue());
  }

  @Property
  void textWithLettersOrSeparatorsIsNoNumber(
      @ForAll @IntRange(min = 0, max = 99_999) int v, @ForAll("junk") String junk) {
    var n = SnmpValues.text(v + junk);
    assertThat(n).isInstanceOf(SnmpValues.NotANumber.class);
    assertThat(((SnmpValues.NotANumber) n).why()).startsWith("not a number: \"");
  }

  @Provide
  Arbitrary<String> junk() {
    return Arbitraries.of(
        " A", "W", ",5", "1,000", "0x1F", "..5", " 5", "-", "e", "%", "n/a", "1e");
  }

  @Property
  void scaleByDecimalDigitsIsDivisionByAPowerOfTen(
      @ForAll @LongRange(min = 0, max = 4_294_967_295L) long raw,
      @ForAll @IntRange(min = 0, max = 6) int digits) {
    // Raritan: raw 1234 with 3 digits is 1.234; a power of ten divides exactly as a decimal.
    double expected = BigDecimal.valueOf(raw).movePointLeft(digits).doubleValue();
    assertThat(SnmpValues.scaled(raw, digits, 1.0, 0)).isEqualTo(expected);
  }

  @Property
  void everyUnsignedTypeReadsItsFullRange(
      @ForAll @LongRange(min = 0, max = 4_294_967_295L) long v) {
    assertThat(SnmpValues.of(new Counter32(v))).isEqualTo(new SnmpValues.Value(v));
    assertThat(SnmpValues.of(new Gauge32(v))).isEqualTo(new SnmpValues.Value(v));
  }

  @Example
  void counter64AboveTheSignedRangeStaysUnsigned() {
    // 2^64 − 616 as an unsigned Counter64: −616 as a Java long.
    var n = SnmpValues.of(new Counter64(-616L));
    assertThat(((SnmpValues.Value) n).raw()).isEqualTo(18446744073709551000.0);
    assertThat(SnmpValues.of(new Integer32(-5))).isEqualTo(new SnmpValues.Value(-5));
  }

  @Example
  void exceptionsAreNamed() {
    assertThat(SnmpValues.of(new Null(SMIConstants.EXCEPTION_NO_SUCH_INSTANCE)))
        .isEqualTo(new SnmpValues.NotANumber("noSuchInstance"));
    assertThat(SnmpValues.of(new Null(SMIConstants.EXCEPTION_NO_SUCH_OBJECT)))
        .isEqualTo(new SnmpValues.NotANumber("noSuchObject"));
    assertThat(SnmpValues.of(new Null(SMIConstants.EXCEPTION_END_OF_MIB_VIEW)))
        .isEqualTo(new SnmpValues.NotANumber("endOfMibView"));
    assertThat(SnmpValues.of(new OctetString("230.4"))).isEqualTo(new SnmpValues.Value(230.4));
  }
}
