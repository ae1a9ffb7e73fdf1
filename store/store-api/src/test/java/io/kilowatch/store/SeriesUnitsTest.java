package io.kilowatch.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.kilowatch.config.ConfigLoader;
import io.kilowatch.config.SiteConfig;
import io.kilowatch.config.units.PointUnit;
import io.kilowatch.config.units.Quantity;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each series' unit comes from what feeds it, never from its field name. */
class SeriesUnitsTest {

  private static final SiteConfig SITE = site();

  private static SiteConfig site() {
    try {
      return ConfigLoader.parse(
          """
          site: {name: S}
          profiles:
            - id: meter
              source: modbus
              addressBase: zero
              points:
                - {name: p, registerType: holding, address: 0, dataType: float32, unit: kW, field: power}
                - {name: e, registerType: holding, address: 2, dataType: uint32, unit: MWh, field: energy, kind: counter}
                - {name: l, registerType: coil, address: 0, unit: "1", field: leak, states: {0: Dry, 1: Leak}}
                - {name: t, registerType: holding, address: 4, dataType: int16, unit: K, measurement: cooling_loop, field: supply_temp}
          devices:
            - {id: m1, kind: meter, profile: meter, source: {type: modbus, host: 127.0.0.1}}
            - {id: it_A, kind: meter, source: {type: push, match: {meter: it_A}, units: {energy_wh: Wh}}}
          """,
          "site.yaml",
          Path.of("/srv"),
          Map.of());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void profilePointsGiveTheirDevicesSeriesTheirUnits() {
    var units = new SeriesUnits(SITE);
    assertThat(units.of("m1", "meter", "power").map(PointUnit::shown)).contains("kW");
    assertThat(units.of("m1", "meter", "energy").map(PointUnit::shown)).contains("MWh");
    assertThat(units.of("m1", "cooling_loop", "supply_temp").map(u -> u.canonical(300)))
        .hasValueSatisfying(
            c -> assertThat(c).isCloseTo(26.85, org.assertj.core.api.Assertions.within(1e-9)));
    assertThat(units.of("m1", "meter", "leak").map(u -> u.stateName(1))).contains("Leak");
    // Another measurement, another device, a field no point writes: nothing says the unit.
    assertThat(units.of("m1", "pdu", "power")).isEmpty();
    assertThat(units.of("m2", "meter", "power")).isEmpty();
    assertThat(units.of("m1", "meter", "power_w")).isEmpty();
  }

  @Test
  void pushDevicesDeclareTheirs() {
    var units = new SeriesUnits(SITE);
    assertThat(units.of("it_A", "energy", "energy_wh").map(u -> u.factorTo("kW.h")))
        .contains(0.001);
    assertThat(units.of("it_A", "energy", "energy_kwh")).isEmpty();
  }

  @Test
  void readingsKilowatchNamesItselfHaveFixedUnits() {
    var units = new SeriesUnits(SITE);
    assertThat(units.of(null, "gpu", "energy_mj").map(PointUnit::shown)).contains("mJ");
    assertThat(units.of("node1", "gpu", "power_w").map(PointUnit::quantity))
        .contains(Quantity.POWER);
    assertThat(units.of(null, "kpi", "cue_kg_per_kwh").map(PointUnit::quantity))
        .contains(Quantity.CARBON_INTENSITY);
    assertThat(units.of(null, "kpi", "it_energy_kwh").map(PointUnit::shown)).contains("kWh");
  }

  @Test
  void anOpcUaServersUnitIsLearnedForAPointConfiguredWithoutOne() {
    var units = new SeriesUnits(SITE);
    units.learn("cdu1", "cdu", "power", PointUnit.of("kW"));
    assertThat(units.of("cdu1", "cdu", "power").map(PointUnit::shown)).contains("kW");
  }

  @Test
  void ofPointsSharingAFieldTheSeriesTagsPickTheOne() throws Exception {
    var site =
        ConfigLoader.parse(
            """
            site: {name: S}
            profiles:
              - id: pdu
                source: modbus
                addressBase: zero
                points:
                  - {name: total, registerType: holding, address: 0, dataType: float32, unit: kW, field: power}
                  - {name: l1, registerType: holding, address: 2, dataType: float32, unit: W, field: power, tags: {phase: L1}}
            devices:
              - {id: p1, kind: pdu, profile: pdu, tags: {row: a}, source: {type: modbus, host: 127.0.0.1}}
            """,
            "site.yaml",
            Path.of("/srv"),
            Map.of());
    var units = new SeriesUnits(site);
    var total = SeriesKey.of("pdu", Map.of("site", "S", "device", "p1", "row", "a"), "power");
    var phase =
        SeriesKey.of(
            "pdu", Map.of("site", "S", "device", "p1", "row", "a", "phase", "L1"), "power");
    assertThat(units.of(total).map(PointUnit::shown)).contains("kW");
    assertThat(units.of(phase).map(PointUnit::shown)).contains("W");
  }

  @Test
  void aGpusMarginIsATemperatureDifference() {
    assertThat(new SeriesUnits(SITE).of(null, "gpu", "margin_c").map(PointUnit::quantity))
        .contains(Quantity.TEMPERATURE_DIFFERENCE);
  }
}
