package io.kilowatch.collector.opcua;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.units.PointUnit;
import io.kilowatch.config.units.Quantity;
import io.kilowatch.config.units.Units;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.eclipse.milo.opcua.sdk.core.CefactEngineeringUnits;
import org.junit.jupiter.api.Test;

/** UNECE common codes as OPC UA packs them, and the table that maps them to kilowatch units. */
class UneceUnitsTest {

  @Test
  void unpacksACommonCodeOneCharacterPerByte() {
    // 'K' 0x4B, 'W' 0x57, 'T' 0x54 → 0x4B5754; 'P' 0x50, '1' 0x31 → 0x5031 (OPC UA Part 8 §5.6.3).
    assertThat(UneceUnits.commonCode(0x4B5754)).isEqualTo("KWT");
    assertThat(UneceUnits.commonCode(4937556)).isEqualTo("KWT");
    assertThat(UneceUnits.commonCode(0x5031)).isEqualTo("P1");
    assertThat(UneceUnits.commonCode(-1)).isNull();
    assertThat(UneceUnits.commonCode(0)).isNull();
    assertThat(UneceUnits.commonCode(0x4B0054)).isNull();
    assertThat(UneceUnits.commonCode(0x6B7774)).isNull();
  }

  @Test
  void everyCodeOfTheTableIsARec20CodeMiloKnows() {
    // Milo's table is generated from the OPC Foundation's UNECE_to_OPCUA.csv: a typo here is
    // caught.
    Set<String> known =
        Arrays.stream(CefactEngineeringUnits.getAll())
            .map(eu -> UneceUnits.commonCode(eu.getUnitId()))
            .collect(Collectors.toSet());
    assertThat(known).containsAll(UneceUnits.table().keySet());
  }

  @Test
  void everySymbolOfTheTableIsAUnitOfAQuantityKilowatchKnows() {
    UneceUnits.table()
        .forEach((code, symbol) -> assertThat(PointUnit.of(symbol)).as(code).isNotNull());
    Map<String, Quantity> expected =
        Map.of(
            "KWT", Quantity.POWER,
            "KWH", Quantity.ENERGY,
            "CEL", Quantity.TEMPERATURE,
            "L2", Quantity.FLOW,
            "MQH", Quantity.FLOW,
            "KPA", Quantity.PRESSURE,
            "P1", Quantity.PERCENT,
            "RPM", Quantity.SPEED,
            "C62", Quantity.DIMENSIONLESS,
            "D46", Quantity.APPARENT_POWER);
    expected.forEach(
        (code, quantity) ->
            assertThat(PointUnit.of(UneceUnits.symbol(code).orElseThrow()).quantity())
                .as(code)
                .isEqualTo(quantity));
    assertThat(UneceUnits.symbol("C81")).isEmpty();
  }

  @Test
  void aServerUnitAgreesWithTheConfiguredOneOnlyThroughTheConfiguredScaleAndOffset() {
    Units.Parsed w = Units.parse("W");
    Units.Parsed kw = Units.parse("kW");
    Units.Parsed k = Units.parse("K");
    Units.Parsed cel = Units.parse("Cel");
    assertThat(UnitRules.agrees(kw, kw, 1, 0)).isTrue();
    assertThat(UnitRules.agrees(w, kw, 0.001, 0)).isTrue();
    assertThat(UnitRules.agrees(w, kw, 1, 0)).isFalse();
    assertThat(UnitRules.agrees(k, cel, 1, 0)).isFalse();
    assertThat(UnitRules.agrees(k, cel, 1, -273.15)).isTrue();
    assertThat(UnitRules.agrees(w, cel, 1, 0)).isFalse();
  }
}
