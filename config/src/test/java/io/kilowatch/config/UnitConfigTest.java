package io.kilowatch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.kilowatch.config.units.Quantity;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every point's unit is parsed, fits its quantity and agrees with a unit its field name spells. */
class UnitConfigTest {

  private static SiteConfig parse(String yaml) throws ConfigException {
    return ConfigLoader.parse(yaml, "site.yaml", Path.of("/srv/kilowatch"), Map.of());
  }

  private static List<String> problems(String yaml) {
    var e = catchThrowableOfType(ConfigException.class, () -> parse(yaml));
    assertThat(e).as("must fail").isNotNull();
    return e.problems().stream().map(ConfigProblem::toString).toList();
  }

  private static String modbus(String points) {
    return """
        site: {name: S}
        profiles:
          - id: meter
            source: modbus
            addressBase: zero
            points:
        %s
        devices:
          - {id: m1, kind: meter, profile: meter, source: {type: modbus, host: 127.0.0.1}}
        """
        .formatted(points.indent(6).stripTrailing());
  }

  @Test
  void aUnitThatDisagreesWithTheFieldNameIsRefusedNamingFileLineKeyAndBothUnits() {
    var problems =
        problems(
            modbus(
                """
                - {name: e, registerType: holding, address: 0, dataType: uint32, unit: W, field: energy_kwh}
                - {name: f, registerType: holding, address: 2, dataType: uint32, unit: Wh, field: energy_kwh, tags: {x: "1"}}
                - {name: t, registerType: holding, address: 4, dataType: int16, unit: K, field: supply_temp_c}
                """));
    assertThat(problems)
        .containsExactly(
            "site.yaml:7: profiles[0].points[0].unit: unit 'W' does not fit field 'energy_kwh',"
                + " whose name says kWh: give the unit the device reports and a field name that"
                + " agrees, or a name without a unit suffix",
            "site.yaml:8: profiles[0].points[1].unit: unit 'Wh' does not fit field 'energy_kwh',"
                + " whose name says kWh: give the unit the device reports and a field name that"
                + " agrees, or a name without a unit suffix",
            "site.yaml:9: profiles[0].points[2].unit: unit 'K' does not fit field"
                + " 'supply_temp_c', whose name says °C: give the unit the device reports and a"
                + " field name that agrees, or a name without a unit suffix");
  }

  @Test
  void aUnitThatIsNoUnitOrDoesNotFitTheQuantityIsRefused() {
    var problems =
        problems(
            modbus(
                """
                - {name: a, registerType: holding, address: 0, dataType: uint16, unit: kwatt, field: a}
                - {name: b, registerType: holding, address: 1, dataType: uint16, unit: W, quantity: energy, field: b}
                - {name: c, registerType: holding, address: 2, dataType: uint16, unit: W, quantity: heat, field: c}
                - {name: d, registerType: holding, address: 3, dataType: uint16, unit: "%", field: d, states: {0: Dry, 1: Leak}}
                """));
    assertThat(problems).hasSize(4);
    assertThat(problems.get(0))
        .startsWith("site.yaml:7: profiles[0].points[0].unit: 'kwatt' is no unit");
    assertThat(problems.get(1))
        .isEqualTo(
            "site.yaml:8: profiles[0].points[1].quantity: unit 'W' does not measure energy (its"
                + " unit is e.g. kWh)");
    assertThat(problems.get(2))
        .startsWith("site.yaml:9: profiles[0].points[2].quantity: expected one of [power,");
    assertThat(problems.get(3))
        .isEqualTo(
            "site.yaml:10: profiles[0].points[3].states: only a state point (unit 1) names states");
  }

  @Test
  void unitsQuantitiesAndStatesAreBound() throws ConfigException {
    SiteConfig site =
        parse(
            modbus(
                """
                - {name: p, registerType: holding, address: 0, dataType: float32, unit: kW, field: power}
                - {name: e, registerType: holding, address: 2, dataType: uint32, unit: MWh, field: energy_mwh, kind: counter}
                - {name: l, registerType: coil, address: 0, unit: "1", field: leak, states: {0: Dry, 1: Leak}}
                - {name: s, registerType: holding, address: 4, dataType: uint16, unit: rpm, quantity: speed, field: fan}
                """));
    var points = site.profile("meter").orElseThrow().points();
    assertThat(points.get(0).pointUnit().quantity()).isEqualTo(Quantity.POWER);
    assertThat(points.get(0).pointUnit().factorTo("kW")).isEqualTo(1.0);
    assertThat(points.get(1).pointUnit().factorTo("kW.h")).isEqualTo(1000.0);
    assertThat(points.get(2).pointUnit().quantity()).isEqualTo(Quantity.STATE);
    assertThat(points.get(2).pointUnit().stateName(1)).isEqualTo("Leak");
    assertThat(points.get(3).pointUnit().quantity()).isEqualTo(Quantity.SPEED);
  }

  @Test
  void anOpcUaPointMayTakeTheServersUnitAndScales() throws ConfigException {
    SiteConfig site =
        parse(
            """
            site: {name: S}
            profiles:
              - id: cdu
                source: opcua
                points:
                  - {name: p, nodeId: "ns=2;s=P", field: power, scale: 0.001, offset: 0}
                  - {name: t, nodeId: "ns=2;s=T", field: supply_temp, unit: K}
            devices:
              - {id: c1, kind: cdu, profile: cdu, source: {type: opcua, endpoint: "opc.tcp://127.0.0.1:4840"}}
            """);
    var points = site.profile("cdu").orElseThrow().points();
    var p = (Profile.OpcUaPoint) points.get(0);
    assertThat(p.unit()).isNull();
    assertThat(p.pointUnit()).isNull();
    assertThat(p.scale()).isEqualTo(0.001);
    assertThat(points.get(1).pointUnit().canonical(300))
        .isCloseTo(26.85, org.assertj.core.api.Assertions.within(1e-9));
  }

  @Test
  void pushDevicesDeclareTheUnitsOfTheirFields() throws ConfigException {
    var site =
        parse(
            """
            site: {name: S}
            devices:
              - {id: it_A, kind: meter, source: {type: push, match: {meter: it_A}, units: {energy: MWh, power_kw: kW}}}
            """);
    var push = (Source.Push) site.device("it_A").orElseThrow().source();
    assertThat(push.units()).isEqualTo(Map.of("energy", "MWh", "power_kw", "kW"));
    assertThat(
            problems(
                """
                site: {name: S}
                devices:
                  - id: it_A
                    kind: meter
                    source: {type: push, match: {meter: it_A}, units: {energy_kwh: Wh, power: watts}}
                """))
        .containsExactly(
            "site.yaml:5: devices[0].source.units.energy_kwh: unit 'Wh' does not fit field"
                + " 'energy_kwh', whose name says kWh",
            "site.yaml:5: devices[0].source.units.power: 'watts' is no unit (UCUM codes such as W,"
                + " kW, kW.h, Cel, K, L/min, m3/h, kPa, %, 1, or kWh, degC)");
  }

  @Test
  void fieldsAnalyticsReadMustMeasureWhatTheyAreUsedFor() {
    var problems =
        problems(
            """
            site: {name: S}
            profiles:
              - id: cdu
                source: opcua
                points:
                  - {name: flow, nodeId: "ns=2;s=F", unit: kPa, measurement: cooling_loop, field: flow}
                  - {name: power, nodeId: "ns=2;s=P", field: power}
                  - {name: water, nodeId: "ns=2;s=W", unit: m3/h, field: water}
            devices:
              - {id: c1, kind: cdu, profile: cdu, source: {type: opcua, endpoint: "opc.tcp://127.0.0.1:4840"}}
            energy:
              itLevel: it-input
              facility: [{device: c1, powerField: power}]
              it: [{device: c1, powerField: power}]
            analytics:
              water: {device: c1, field: water}
            alerts:
              rules:
                - {name: breaker, type: load, measurement: pdu, field: current_a, rating: 32, threshold: 80, unit: "%"}
            """);
    assertThat(problems)
        .anyMatch(
            p ->
                p.startsWith(
                    "site.yaml:6: profiles[0].points[0].unit: unit 'kPa' does not fit"
                        + " field 'flow': the thermal-risk engine reads it as a flow"))
        .anyMatch(
            p ->
                p.contains("energy.facility[0]")
                    && p.contains(
                        "point 'power' of profile 'cdu' feeds the energy model: give it"
                            + " a unit"))
        .anyMatch(
            p ->
                p.contains(
                    "analytics: water meter: water of device 'c1' is in m³/h, which is no volume"))
        .anyMatch(p -> p.contains("rules[0].unit: a load rule's unit is that of its series"));
  }
}
