package io.kilowatch.config.units;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Conversions checked against their definitions (SI brochure, 9th ed.; UCUM): 1 Wh = 3600 J, 1 kWh
 * = 1000 Wh, T/°C = T/K − 273.15, T/°F = T/°C × 9/5 + 32, 1 m³ = 1000 L, 1 bar = 100 kPa.
 */
class UnitsTest {

  private static double convert(double v, String from, String to) {
    return PointUnit.of(from).to(Units.parse(to)).convert(v);
  }

  @Test
  void energyAndPowerScaleByPowersOfAThousand() {
    assertThat(convert(1, "Wh", "kWh")).isCloseTo(0.001, within(1e-15));
    assertThat(convert(1, "MWh", "kWh")).isCloseTo(1000, within(1e-9));
    assertThat(convert(3_600_000, "J", "kWh")).isCloseTo(1, within(1e-12));
    assertThat(convert(3_600_000_000.0, "mJ", "kWh")).isCloseTo(1, within(1e-12));
    assertThat(convert(268.93, "kW", "W")).isCloseTo(268_930, within(1e-7));
    assertThat(convert(2.5, "MW", "kW")).isCloseTo(2500, within(1e-9));
    assertThat(PointUnit.of("Wh").factorTo("kW.h")).isCloseTo(0.001, within(1e-15));
  }

  @Test
  void temperaturesConvertWithTheirOffsets() {
    assertThat(convert(300, "K", "Cel")).isCloseTo(26.85, within(1e-9));
    assertThat(convert(212, "degF", "Cel")).isCloseTo(100, within(1e-9));
    assertThat(convert(32, "°F", "degC")).isCloseTo(0, within(1e-9));
    assertThat(PointUnit.of("K").canonical(273.15)).isCloseTo(0, within(1e-9));
    assertThatThrownBy(() -> PointUnit.of("K").factorTo("Cel")).hasMessageContaining("offset");
  }

  @Test
  void flowAndPressure() {
    assertThat(convert(1, "m3/h", "L/min")).isCloseTo(1000.0 / 60, within(1e-9));
    assertThat(convert(6, "m³/h", "lpm")).isCloseTo(100, within(1e-9));
    assertThat(convert(1, "bar", "kPa")).isCloseTo(100, within(1e-9));
  }

  @Test
  void eachUnitMeasuresOneQuantity() {
    assertThat(PointUnit.of("kW").quantity()).isEqualTo(Quantity.POWER);
    assertThat(PointUnit.of("kWh").quantity()).isEqualTo(Quantity.ENERGY);
    assertThat(PointUnit.of("kVA").quantity()).isEqualTo(Quantity.APPARENT_POWER);
    assertThat(PointUnit.of("degC").quantity()).isEqualTo(Quantity.TEMPERATURE);
    assertThat(PointUnit.of("L/min").quantity()).isEqualTo(Quantity.FLOW);
    assertThat(PointUnit.of("kPa").quantity()).isEqualTo(Quantity.PRESSURE);
    assertThat(PointUnit.of("%").quantity()).isEqualTo(Quantity.PERCENT);
    assertThat(PointUnit.of("rpm").quantity()).isEqualTo(Quantity.SPEED);
    assertThat(PointUnit.of("1").quantity()).isEqualTo(Quantity.DIMENSIONLESS);
    assertThat(PointUnit.of("1", null, Map.of(0L, "Dry", 1L, "Leak")).quantity())
        .isEqualTo(Quantity.STATE);
    assertThat(PointUnit.of("A").quantity()).isEqualTo(Quantity.CURRENT);
    assertThat(PointUnit.of("V").quantity()).isEqualTo(Quantity.VOLTAGE);
    assertThat(PointUnit.of("Hz").quantity()).isEqualTo(Quantity.FREQUENCY);
  }

  @Test
  void aUnitThatDoesNotFitItsQuantityOrIsNoUnitIsRefused() {
    assertThatThrownBy(() -> PointUnit.of("W", Quantity.ENERGY, Map.of()))
        .hasMessageContaining("'W' does not measure energy");
    assertThatThrownBy(() -> PointUnit.of("kVA", Quantity.POWER, Map.of()))
        .hasMessageContaining("does not measure power");
    assertThatThrownBy(() -> PointUnit.of("kwatt")).hasMessageContaining("'kwatt' is no unit");
    assertThatThrownBy(() -> Units.converter(Units.parse("W").unit(), Units.parse("kWh").unit()))
        .hasMessageContaining("different things");
  }

  @Test
  void aConverterIsBuiltOncePerPairOfUnitsInOrderAndARefusalIsNeverKept() {
    var w = Units.parse("W").unit();
    var kw = Units.parse("kW").unit();
    // 1 kW = 1,000 W, so W to kW multiplies by 1/1000 and kW to W by 1000.
    assertThat(Units.converter(w, kw)).isSameAs(Units.converter(w, kw));
    assertThat(Units.converter(w, kw).convert(2500.0)).isCloseTo(2.5, within(1e-12));
    assertThat(Units.converter(kw, w).convert(2.5)).isCloseTo(2500.0, within(1e-9));
    var kwh = Units.parse("kWh").unit();
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> Units.converter(w, kwh)).hasMessageContaining("different things");
    }
  }

  @Test
  void unitsAreShownInTheirEverydaySpelling() {
    assertThat(PointUnit.of("kW.h").shown()).isEqualTo("kWh");
    assertThat(PointUnit.of("Cel").shown()).isEqualTo("°C");
    assertThat(PointUnit.of("m3/h").shown()).isEqualTo("m³/h");
    assertThat(PointUnit.of("L/min").shown()).isEqualTo("L/min");
  }

  @Test
  void statesAreNamedByWholeValues() {
    var leak = PointUnit.of("1", null, Map.of(0L, "Dry", 1L, "Leak"));
    assertThat(leak.stateName(1)).isEqualTo("Leak");
    assertThat(leak.stateName(0)).isEqualTo("Dry");
    assertThat(leak.stateName(0.5)).isNull();
    assertThat(leak.stateName(7)).isNull();
  }

  @Test
  void fieldNamesSpellUnitsOnlyByConvention() {
    assertThat(Units.spelledBy("energy_kwh")).contains("kW.h");
    assertThat(Units.spelledBy("supply_temp_c")).contains("Cel");
    assertThat(Units.spelledBy("supply_temp")).isEmpty();
    assertThat(Units.spelledBy("energy")).isEmpty();
  }

  @Test
  void aTemperatureDifferenceConvertsWithoutTheOffset() {
    var margin = PointUnit.of("Cel", Quantity.TEMPERATURE_DIFFERENCE, Map.of());
    // A difference of 5 °C is 5 K and 9 °F (× 9/5), not 278.15 K.
    assertThat(margin.to(Units.parse("K")).convert(5)).isCloseTo(5, within(1e-12));
    assertThat(margin.to(Units.parse("degF")).convert(5)).isCloseTo(9, within(1e-12));
    assertThat(margin.canonical(5)).isCloseTo(5, within(1e-12));
    assertThat(PointUnit.of("K").quantity()).isEqualTo(Quantity.TEMPERATURE);
  }

  @Test
  void apparentPowerIsNeverShownAsPower() {
    assertThat(PointUnit.of("kVA").convertibleTo(Units.parse("kW"))).isFalse();
    assertThat(PointUnit.of("kVA").convertibleTo(Units.parse("VA"))).isTrue();
    assertThat(PointUnit.of("kW").convertibleTo(Units.parse("W"))).isTrue();
    assertThat(PointUnit.of("kW").convertibleTo(Units.parse("Cel"))).isFalse();
  }

  // Found by ConfigLoaderPropertyTest: a character the UCUM lexer does not know made it throw an
  // Error (TokenMgrError) that went past the config loader instead of "unknown unit".
  @Test
  void aCharacterTheUcumLexerDoesNotKnowIsAnUnknownUnit() {
    assertThatThrownBy(() -> Units.parse("\u55dc")).isInstanceOf(IllegalArgumentException.class);
    assertThat(Units.isUnit("k\u55dcW")).isFalse();
  }
}
